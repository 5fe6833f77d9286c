package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/stride-tutor/stride/internal/lti"
	"github.com/stride-tutor/stride/internal/store"
)

// ltiCommand is `stride lti platform add --issuer … --client-id …
// --deployment-id … --auth-url … --token-url … --jwks-url …` (registers an
// LMS, or adds a deployment to one already registered) and `stride lti
// platform list`, plus the server's database flags.
func ltiCommand(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	const usage = "stride lti platform add --issuer URL --client-id ID --deployment-id ID --auth-url URL --token-url URL --jwks-url URL [--token-audience AUD] [-data-dir DIR | -database-url URL]\n" +
		"       stride lti platform list [-data-dir DIR | -database-url URL]\n" +
		"       stride lti link --item ID [-data-dir DIR | -database-url URL]   (prints the signed stride_target of an assignment item)"
	if len(args) > 0 && args[0] == "link" {
		args = append([]string{"item", "link"}, args[1:]...)
	}
	if len(args) < 2 || !(args[0] == "platform" && (args[1] == "add" || args[1] == "list") || args[0] == "item") {
		fmt.Fprintf(stderr, "stride lti: say platform add, platform list or link\nusage: %s\n", usage)
		return 2
	}
	verb := args[1]
	names := []string{"issuer", "client-id", "deployment-id", "auth-url", "token-url", "jwks-url"}
	switch verb {
	case "list":
		names = nil
	case "link":
		names = []string{"item"}
	}
	optional := []string{}
	if verb == "add" {
		optional = append(optional, "token-audience") // grades and rosters (docs/LTI.md)
	}
	own, rest, err := ownFlags(args[2:], append(names, optional...))
	if err != nil {
		fmt.Fprintf(stderr, "stride lti platform %s: %v\nusage: %s\n", verb, err, usage)
		return 2
	}
	cfg, extra, err := parseConfigArgs(rest, getenv, stdout)
	if err != nil {
		if isHelp(err) {
			return 0
		}
		fmt.Fprintf(stderr, "stride lti platform %s: invalid configuration: %v\n", verb, err)
		return 2
	}
	if len(extra) > 0 {
		fmt.Fprintf(stderr, "stride lti platform %s: unexpected argument %q\nusage: %s\n", verb, extra[0], usage)
		return 2
	}
	for _, n := range names {
		if strings.TrimSpace(own[n]) == "" {
			fmt.Fprintf(stderr, "stride lti platform %s: --%s is required\nusage: %s\n", verb, n, usage)
			return 2
		}
	}
	var itemID int64
	if verb == "link" {
		if itemID, err = strconv.ParseInt(own["item"], 10, 64); err != nil || itemID <= 0 {
			fmt.Fprintf(stderr, "stride lti link: --item: %q is not an item id (a whole number, from the item's URL)\n", own["item"])
			return 2
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), dbTimeout)
	defer cancel()
	db, err := store.Open(ctx, store.Config{DataDir: cfg.dataDir, DatabaseURL: cfg.databaseURL})
	if err != nil {
		fmt.Fprintf(stderr, "stride lti platform %s: database (%s): %v\n", verb, describeDatabase(cfg), err)
		return 1
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		fmt.Fprintf(stderr, "stride lti platform %s: database (%s): %v\n", verb, describeDatabase(cfg), err)
		return 1
	}
	if verb == "link" {
		a, err := db.AssignmentOfItem(ctx, itemID)
		if err != nil {
			fmt.Fprintf(stderr, "stride lti link: %v\n", err)
			return 1
		}
		key, err := db.SiteSecret(ctx, lti.TargetSecret, 32)
		if err != nil {
			fmt.Fprintf(stderr, "stride lti link: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "stride_target=/my/%d/%d?sig=%s\n", a.ID, itemID, lti.ItemMAC(key, itemID))
		return 0
	}
	if verb == "list" {
		ps, err := db.ListLTIPlatforms(ctx)
		if err != nil {
			fmt.Fprintf(stderr, "stride lti platform list: %v\n", err)
			return 1
		}
		if len(ps) == 0 {
			fmt.Fprintln(stdout, "no LTI platforms registered (add one with: stride lti platform add …)")
		}
		for _, p := range ps {
			fmt.Fprintf(stdout, "%d\tissuer %s\tclient id %s\tdeployments %s\n\tauth %s\n\ttoken %s\n\tjwks %s\n",
				p.ID, p.Issuer, p.ClientID, strings.Join(p.Deployments, ", "), p.AuthURL, p.TokenURL, p.JWKSURL)
			if p.TokenAudience != "" {
				fmt.Fprintf(stdout, "\ttoken audience %s\n", p.TokenAudience)
			}
		}
		return 0
	}
	p, err := db.AddLTIPlatform(ctx, store.NewLTIPlatform{Issuer: own["issuer"], ClientID: own["client-id"],
		AuthURL: own["auth-url"], TokenURL: own["token-url"], JWKSURL: own["jwks-url"], DeploymentIDs: []string{own["deployment-id"]},
		TokenAudience: own["token-audience"]})
	if err != nil {
		fmt.Fprintf(stderr, "stride lti platform add: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "registered LTI platform %s (client id %s, id %d) with deployments %s in %s\n",
		p.Issuer, p.ClientID, p.ID, strings.Join(p.Deployments, ", "), describeDatabase(cfg))
	return 0
}

// ownFlags takes a subcommand's own flags (one or two dashes, "=value" or
// a separate value) out of args and returns the rest for the server's
// configuration flags.
func ownFlags(args, names []string) (map[string]string, []string, error) {
	own := map[string]string{}
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		mine := false
		for _, n := range names {
			mine = mine || n == name
		}
		if !strings.HasPrefix(a, "-") || !mine {
			rest = append(rest, a)
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				return nil, nil, fmt.Errorf("--%s needs a value", name)
			}
			i++
			value = args[i]
		}
		if _, dup := own[name]; dup {
			return nil, nil, fmt.Errorf("--%s is given twice", name)
		}
		own[name] = value
	}
	return own, rest, nil
}
