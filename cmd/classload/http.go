package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/stride-tutor/stride/internal/loadtest"
)

// The http mode: each simulated student opens their personal link (which
// sets the learner cookie) and sends every check to the JSON check API
// with the item's id and an idempotency key, as the exercise page's script
// does. The server checks the answer, records the attempt and answers once
// it is durable; a 503 or 429 (admission control, rate limit) is retried
// with the same key after Retry-After, as a browser's retry would be.

// maxBusyRetries bounds the retries of one check answered busy.
const maxBusyRetries = 8

type httpStats struct {
	requests, busy503, busy429 atomic.Int64
}

type httpStudents struct {
	cfg     config
	base    *url.URL
	c       class
	vs      verdicts
	clients []*http.Client
	stats   httpStats
}

// newHTTPStudents makes one client (cookie jar, own client address) per
// student and opens each personal link.
func newHTTPStudents(ctx context.Context, cfg config, c class, vs verdicts) (*httpStudents, error) {
	base, err := url.Parse(strings.TrimRight(cfg.url, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("-url %q is not an http(s) URL", cfg.url)
	}
	if _, err := loadtest.RaiseFileLimit(); err != nil {
		return nil, fmt.Errorf("raise the open-file limit: %w", err)
	}
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		MaxIdleConns:        len(c.learners) + 16,
		MaxIdleConnsPerHost: len(c.learners) + 16,
		IdleConnTimeout:     2 * cfg.window,
	}
	h := &httpStudents{cfg: cfg, base: base, c: c, vs: vs}
	for range c.learners {
		jar, err := cookiejar.New(nil)
		if err != nil {
			return nil, err
		}
		h.clients = append(h.clients, &http.Client{
			Transport: tr, Jar: jar, Timeout: cfg.timeout,
			// The personal link redirects to /my; the cookie is all we need.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		})
	}
	// Open every personal link before the clock starts, a few at a time.
	errc := make(chan error, len(c.learners))
	sem := make(chan struct{}, 16)
	for i := range c.learners {
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			errc <- h.openLink(ctx, i)
		}()
	}
	for range c.learners {
		if err := <-errc; err != nil {
			return nil, err
		}
	}
	return h, nil
}

// clientAddr is student i's own address (10.x.y.z), sent in -client-header.
func clientAddr(i int) string {
	return fmt.Sprintf("10.%d.%d.%d", (i>>16)&255, (i>>8)&255, i&255)
}

func (h *httpStudents) openLink(ctx context.Context, i int) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.base.String()+"/l/"+h.c.tokens[i], nil)
	if err != nil {
		return err
	}
	req.Header.Set(h.cfg.ipHeader, clientAddr(i))
	resp, err := h.clients[i].Do(req)
	if err != nil {
		return fmt.Errorf("personal link of student %d: %w", i, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || len(h.clients[i].Jar.Cookies(h.base)) == 0 {
		return fmt.Errorf("personal link of student %d: %s without a learner cookie (is the server running on the database classload seeded?)", i, resp.Status)
	}
	return nil
}

type checkBody struct {
	Answers map[string]string `json:"answers"`
	Item    int64             `json:"item"`
	Key     string            `json:"key"`
	ShownMS int64             `json:"shown_ms"`
}

type checkReply struct {
	Parts map[string]struct {
		Status string `json:"status"`
	} `json:"parts"`
	Error string `json:"error"`
}

// send posts one check and reads the verdict of its part.
func (h *httpStudents) send(ctx context.Context, i int, sub submission) outcome {
	it := assignmentItems[sub.item]
	c := h.vs[it.exercise][sub.part][0]
	if sub.right {
		c = h.vs[it.exercise][sub.part][1]
	}
	body, err := json.Marshal(checkBody{Answers: map[string]string{sub.part: c.answer}, Item: h.c.itemIDs[sub.item], Key: sub.key, ShownMS: 20000})
	if err != nil {
		return outcome{err: err}
	}
	target := h.base.String() + "/api/v1/exercises/" + it.exercise + "/check"
	origin := h.base.Scheme + "://" + h.base.Host
	for try := 0; ; try++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
		if err != nil {
			return outcome{err: err}
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", origin)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.Header.Set(h.cfg.ipHeader, clientAddr(i))
		h.stats.requests.Add(1)
		resp, err := h.clients[i].Do(req)
		if err != nil {
			return outcome{err: err}
		}
		raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if err != nil {
			return outcome{err: err}
		}
		if (resp.StatusCode == http.StatusServiceUnavailable || resp.StatusCode == http.StatusTooManyRequests) && try < maxBusyRetries {
			if resp.StatusCode == http.StatusServiceUnavailable {
				h.stats.busy503.Add(1)
			} else {
				h.stats.busy429.Add(1)
			}
			wait := 500 * time.Millisecond
			if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
				wait = min(time.Duration(s)*time.Second, 2*time.Second)
			}
			select {
			case <-time.After(wait):
				continue
			case <-ctx.Done():
				return outcome{err: ctx.Err()}
			}
		}
		var reply checkReply
		if err := json.Unmarshal(raw, &reply); err != nil {
			return outcome{err: fmt.Errorf("%s: %.200s", resp.Status, raw)}
		}
		if resp.StatusCode != http.StatusOK {
			return outcome{err: fmt.Errorf("%s: %s", resp.Status, reply.Error)}
		}
		st := reply.Parts[sub.part].Status
		if st == "" || st == "refused" {
			return outcome{err: fmt.Errorf("part %s answered %q", sub.part, st)}
		}
		return outcome{}
	}
}
