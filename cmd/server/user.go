package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/stride-tutor/stride/internal/auth"
	"github.com/stride-tutor/stride/internal/store"
)

// userCommand is `stride user create -email … -role admin|instructor
// [-name …] [flags]`. The password is asked twice on a terminal (not
// echoed) or read from the first line of stdin (for scripts:
// `printf '%s\n' "$PW" | stride user create …`); it never comes from a
// flag, where it would show in the process list and shell history.
func userCommand(args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	const usage = "stride user create -email ADDRESS -role admin|instructor [-name NAME] [-data-dir DIR | -database-url URL]"
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintf(stderr, "stride user: say create, e.g. %s\n", usage)
		return 2
	}
	own, rest, err := userFlags(args[1:])
	if err != nil {
		fmt.Fprintf(stderr, "stride user create: %v\nusage: %s\n", err, usage)
		return 2
	}
	cfg, extra, err := parseConfigArgs(rest, getenv, stdout)
	if err != nil {
		if isHelp(err) {
			return 0
		}
		fmt.Fprintf(stderr, "stride user create: invalid configuration: %v\n", err)
		return 2
	}
	if len(extra) > 0 {
		fmt.Fprintf(stderr, "stride user create: unexpected argument %q\nusage: %s\n", extra[0], usage)
		return 2
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
	db, err := store.Open(ctx, store.Config{DataDir: cfg.dataDir, DatabaseURL: cfg.databaseURL})
	if err != nil {
		fmt.Fprintf(stderr, "stride user create: database (%s): %v\n", describeDatabase(cfg), err)
		return 1
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		fmt.Fprintf(stderr, "stride user create: database (%s): %v\n", describeDatabase(cfg), err)
		return 1
	}
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

// userFlags takes the account's own flags (-email, -role, -name; one or two
// dashes, "=value" or a separate value) out of args and returns the rest
// for the server's configuration flags.
func userFlags(args []string) (map[string]string, []string, error) {
	own := map[string]string{}
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || (name != "email" && name != "role" && name != "name") {
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
