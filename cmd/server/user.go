package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"github.com/stride-tutor/stride/internal/auth"
	"github.com/stride-tutor/stride/internal/store"
	"github.com/stride-tutor/stride/web"
)

// userCommand is `stride user create|reset-password|list`:
//
//	stride user create -email … -role admin|instructor [-name …] [flags]
//	stride user reset-password -email … [-origin https://stride.example.edu] [flags]
//	stride user list [flags]
//
// For create, the password is asked twice on a terminal (not echoed) or
// read from the first line of stdin (for scripts:
// `printf '%s\n' "$PW" | stride user create …`); it never comes from a
// flag, where it would show in the process list and shell history.
func userCommand(args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	const usage = "stride user create -email ADDRESS -role admin|instructor [-name NAME] [-data-dir DIR | -database-url URL]\n" +
		"       stride user reset-password -email ADDRESS [-origin https://HOST] [-data-dir DIR | -database-url URL]\n" +
		"       stride user list [-data-dir DIR | -database-url URL]"
	if len(args) == 0 || (args[0] != "create" && args[0] != "reset-password" && args[0] != "list") {
		fmt.Fprintf(stderr, "stride user: say create, reset-password or list, e.g.\n%s\n", usage)
		return 2
	}
	sub := args[0]
	own, rest, err := userFlags(args[1:])
	if err != nil {
		fmt.Fprintf(stderr, "stride user %s: %v\nusage: %s\n", sub, err, usage)
		return 2
	}
	cfg, extra, err := parseConfigArgs(rest, getenv, stdout)
	if err != nil {
		if isHelp(err) {
			return 0
		}
		fmt.Fprintf(stderr, "stride user %s: invalid configuration: %v\n", sub, err)
		return 2
	}
	if len(extra) > 0 {
		fmt.Fprintf(stderr, "stride user %s: unexpected argument %q\nusage: %s\n", sub, extra[0], usage)
		return 2
	}
	for name := range own {
		allowed := map[string][]string{"create": {"email", "role", "name"}, "reset-password": {"email", "origin"}, "list": nil}[sub]
		if !slices.Contains(allowed, name) {
			fmt.Fprintf(stderr, "stride user %s: -%s does not apply here\nusage: %s\n", sub, name, usage)
			return 2
		}
	}
	switch sub {
	case "list":
		return userList(cfg, stdout, stderr)
	case "reset-password":
		return userResetPassword(cfg, own, stdout, stderr)
	}
	email, role := strings.TrimSpace(own["email"]), store.Role(own["role"])
	if email == "" || !strings.Contains(email, "@") {
		fmt.Fprintf(stderr, "stride user create: -email: give the account's e-mail address\nusage: %s\n", usage)
		return 2
	}
	if role != store.RoleAdmin && role != store.RoleInstructor {
		fmt.Fprintf(stderr, "stride user create: -role: %q is not admin or instructor\n", own["role"])
		return 2
	}
	pw, err := readPassword(stdin, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "stride user create: %v\n", err)
		return 2
	}
	if err := auth.CheckPasswordLength(pw); err != nil {
		fmt.Fprintf(stderr, "stride user create: password: %v\n", err)
		return 2
	}
	hash, err := auth.HashPassword(pw, auth.DefaultParams)
	if err != nil {
		fmt.Fprintf(stderr, "stride user create: %v\n", err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), dbTimeout)
	defer cancel()
	db, ok := openUserDB(ctx, cfg, "create", stderr)
	if !ok {
		return 1
	}
	defer db.Close()
	u, err := db.CreateUser(ctx, store.NewUser{Email: email, Name: own["name"], Role: role, PasswordHash: hash})
	if err != nil {
		if errors.Is(err, store.ErrConflict) {
			fmt.Fprintf(stderr, "stride user create: an account with the e-mail %s already exists\n", email)
			return 1
		}
		fmt.Fprintf(stderr, "stride user create: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "created %s account %s (id %d) in %s\n", u.Role, u.Email, u.ID, describeDatabase(cfg))
	return 0
}

// openUserDB opens and migrates the database for a user subcommand; false
// after it printed why it could not.
func openUserDB(ctx context.Context, cfg config, sub string, stderr io.Writer) (*store.Store, bool) {
	db, err := store.Open(ctx, store.Config{DataDir: cfg.dataDir, DatabaseURL: cfg.databaseURL})
	if err != nil {
		fmt.Fprintf(stderr, "stride user %s: database (%s): %v\n", sub, describeDatabase(cfg), err)
		return nil, false
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		fmt.Fprintf(stderr, "stride user %s: database (%s): %v\n", sub, describeDatabase(cfg), err)
		return nil, false
	}
	return db, true
}

// userList prints every account: id, e-mail, role, state, created.
func userList(cfg config, stdout, stderr io.Writer) int {
	ctx, cancel := context.WithTimeout(context.Background(), dbTimeout)
	defer cancel()
	db, ok := openUserDB(ctx, cfg, "list", stderr)
	if !ok {
		return 1
	}
	defer db.Close()
	users, err := db.ListUsers(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "stride user list: %v\n", err)
		return 1
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tE-MAIL\tNAME\tROLE\tSTATE\tCREATED")
	for _, u := range users {
		state := "active"
		if u.DisabledAt != nil {
			state = "disabled " + u.DisabledAt.Format("2006-01-02")
		}
		email := u.Email
		if email == "" {
			email = "-"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", u.ID, email, oneLine(u.Name), u.Role, state, u.CreatedAt.Format("2006-01-02"))
	}
	if err := tw.Flush(); err != nil {
		fmt.Fprintf(stderr, "stride user list: %v\n", err)
		return 1
	}
	return 0
}

// oneLine keeps a name from breaking the table (names are free text).
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// userResetPassword prints a one-time password-reset link for an account
// (what an admin makes on the accounts page), for an instructor who
// forgot their password or a site whose only admin did.
func userResetPassword(cfg config, own map[string]string, stdout, stderr io.Writer) int {
	email := strings.TrimSpace(own["email"])
	if email == "" || !strings.Contains(email, "@") {
		fmt.Fprintln(stderr, "stride user reset-password: -email: give the account's e-mail address")
		return 2
	}
	origin := strings.TrimSuffix(strings.TrimSpace(own["origin"]), "/")
	if origin != "" {
		u, err := url.Parse(origin)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
			fmt.Fprintf(stderr, "stride user reset-password: -origin: %q is not a site address like https://stride.example.edu\n", own["origin"])
			return 2
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), dbTimeout)
	defer cancel()
	db, ok := openUserDB(ctx, cfg, "reset-password", stderr)
	if !ok {
		return 1
	}
	defer db.Close()
	u, err := db.GetUserByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		fmt.Fprintf(stderr, "stride user reset-password: no account has the e-mail %s (see stride user list)\n", email)
		return 1
	}
	if err != nil {
		fmt.Fprintf(stderr, "stride user reset-password: %v\n", err)
		return 1
	}
	if u.DisabledAt != nil {
		fmt.Fprintf(stderr, "stride user reset-password: the account %s is disabled; an admin enables it on the accounts page first\n", u.Email)
		return 1
	}
	token, expires, err := db.CreateResetToken(ctx, u.ID, 0, web.ResetLinkLifetime)
	if err != nil {
		fmt.Fprintf(stderr, "stride user reset-password: %v\n", err)
		return 1
	}
	link := cfg.basePath + "/reset/" + token
	if origin != "" {
		link = origin + link
	} else {
		fmt.Fprintln(stderr, "stride user reset-password: no -origin given: put the site's address (https://…) in front of the path below")
	}
	fmt.Fprintf(stdout, "One-time password-reset link for %s (works once, until %s; a newer link replaces it):\n%s\n",
		u.Email, expires.UTC().Format("2006-01-02 15:04 UTC"), link)
	return 0
}

// userFlags takes the account's own flags (-email, -role, -name, -origin; one or two
// dashes, "=value" or a separate value) out of args and returns the rest
// for the server's configuration flags.
func userFlags(args []string) (map[string]string, []string, error) {
	own := map[string]string{}
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || (name != "email" && name != "role" && name != "name" && name != "origin") {
			rest = append(rest, a)
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				return nil, nil, fmt.Errorf("-%s needs a value", name)
			}
			i++
			value = args[i]
		}
		if _, dup := own[name]; dup {
			return nil, nil, fmt.Errorf("-%s is given twice", name)
		}
		own[name] = value
	}
	return own, rest, nil
}

// readPassword asks for the password twice on a terminal, without echo,
// or reads the first line of stdin when it is not a terminal.
func readPassword(stdin io.Reader, prompt io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(prompt, "Password: ")
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompt)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		fmt.Fprint(prompt, "Again: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompt)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		if string(a) != string(b) {
			return "", errors.New("the two passwords differ")
		}
		return string(a), nil
	}
	line, err := bufio.NewReaderSize(io.LimitReader(stdin, auth.MaxPasswordLen+2), auth.MaxPasswordLen+2).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	if !strings.HasSuffix(line, "\n") && len(line) > auth.MaxPasswordLen {
		return "", auth.ErrPasswordLength
	}
	line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	if line == "" {
		return "", errors.New("no password on stdin: pipe it in as the first line, or run this on a terminal")
	}
	return line, nil
}
