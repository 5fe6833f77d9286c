package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/stride-tutor/stride/internal/lti"
	"github.com/stride-tutor/stride/internal/store"
)

// ltiRotateKeyCommand is `stride lti rotate-key [--retire-after 48h]`: a new
// RS256 signing key signs from now on; the keys in use until now stay in
// /lti/jwks for --retire-after (platforms cache JWKS, and tokens already
// issued must keep verifying), then leave it. Running servers pick the
// change up within a minute.
func ltiRotateKeyCommand(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	const usage = "stride lti rotate-key [--retire-after DURATION (default 48h)] [-data-dir DIR | -database-url URL]"
	own, rest, err := ownFlags(args, []string{"retire-after"})
	if err != nil {
		fmt.Fprintf(stderr, "stride lti rotate-key: %v\nusage: %s\n", err, usage)
		return 2
	}
	retire := lti.DefaultKeyRetirement
	if v, ok := own["retire-after"]; ok {
		if retire, err = time.ParseDuration(v); err != nil || retire < 0 || retire > lti.MaxKeyRetirement {
			fmt.Fprintf(stderr, "stride lti rotate-key: --retire-after: %q is not a duration from 0s to %v (such as 48h)\n", v, lti.MaxKeyRetirement)
			return 2
		}
	}
	cfg, extra, err := parseConfigArgs(rest, getenv, stdout)
	if err != nil {
		if isHelp(err) {
			return 0
		}
		fmt.Fprintf(stderr, "stride lti rotate-key: invalid configuration: %v\n", err)
		return 2
	}
	if len(extra) > 0 {
		fmt.Fprintf(stderr, "stride lti rotate-key: unexpected argument %q\nusage: %s\n", extra[0], usage)
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), dbTimeout)
	defer cancel()
	db, err := store.Open(ctx, store.Config{DataDir: cfg.dataDir, DatabaseURL: cfg.databaseURL})
	if err != nil {
		fmt.Fprintf(stderr, "stride lti rotate-key: database (%s): %v\n", describeDatabase(cfg), err)
		return 1
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		fmt.Fprintf(stderr, "stride lti rotate-key: database (%s): %v\n", describeDatabase(cfg), err)
		return 1
	}
	now := time.Now()
	kid, err := lti.RotateKey(ctx, db, retire, now)
	if err != nil {
		fmt.Fprintf(stderr, "stride lti rotate-key: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "new LTI signing key %s; the previous keys stay in /lti/jwks until %s, then are dropped (%s)\n",
		kid, now.Add(retire).UTC().Format(time.RFC3339), describeDatabase(cfg))
	return 0
}
