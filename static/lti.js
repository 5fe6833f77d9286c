// LTI pages (web/lti_deeplink.go, web/lti_register.go). Loaded as a file:
// the CSP forbids inline scripts.
//
// - The deep linking response page posts its form (the signed JWT) to the
//   LMS at once; without JavaScript its button does the same.
// - The end of a dynamic registration asks the LMS to close the
//   registration window or frame (LTI Dynamic Registration 1.0: the
//   message {subject: 'org.imsglobal.lti.close'} to the opener or parent).
//   It carries no secret, so any origin may receive it.
(function () {
	'use strict';
	var form = document.querySelector('form[data-lti-autosubmit]');
	if (form) {
		form.submit();
	}
	if (document.querySelector('[data-lti-close]')) {
		var target = window.opener || (window.parent !== window ? window.parent : null);
		if (target) {
			target.postMessage({subject: 'org.imsglobal.lti.close'}, '*');
		}
	}
})();
