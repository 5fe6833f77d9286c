package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/stride-tutor/stride/web"
)

// config is the server's whole configuration, from flags and environment.
type config struct {
	addr      string
	basePath  string
	logFormat string
	logLevel  slog.Level
}

// setting is one configuration knob: a flag, its environment variable and
// its help text. Keeping them in one table keeps -help and the README honest.
type setting struct {
	flag, env, def, help string
}

var settings = []setting{
	{"addr", "STRIDE_ADDR", ":8080", "host:port to listen on; when STRIDE_ADDR is unset and PORT is set, :PORT"},
	{"base-path", "STRIDE_BASE_PATH", "", "URL prefix to serve everything under, e.g. /tutor behind a reverse proxy"},
	{"log-format", "STRIDE_LOG_FORMAT", "text", "log format: text or json"},
	{"log-level", "STRIDE_LOG_LEVEL", "info", "log level: debug, info, warn or error"},
}

// errHelp reports that -help was asked for and usage was printed.
var errHelp = flag.ErrHelp

// parseConfig reads flags from args and falls back to the environment, then
// to defaults. An invalid value is an error that names the setting.
func parseConfig(args []string, getenv func(string) string, usageOut io.Writer) (config, error) {
	fs := flag.NewFlagSet("stride", flag.ContinueOnError)
	fs.SetOutput(usageOut)
	values := map[string]*string{}
	for _, s := range settings {
		values[s.flag] = fs.String(s.flag, "", s.help)
	}
	fs.Usage = func() { printUsage(usageOut) }
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected argument %q (the only subcommand is healthcheck)", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	get := func(name string) (string, string) {
		for _, s := range settings {
			if s.flag != name {
				continue
			}
			if set[name] {
				return *values[name], "-" + name
			}
			if v := getenv(s.env); v != "" {
				return v, s.env
			}
			if name == "addr" {
				if port := getenv("PORT"); port != "" {
					return ":" + port, "PORT"
				}
			}
			return s.def, "-" + name
		}
		panic("unknown setting " + name)
	}

	var c config
	var src string
	c.addr, src = get("addr")
	if err := validateAddr(c.addr); err != nil {
		return config{}, fmt.Errorf("%s: %w", src, err)
	}
	basePath, src := get("base-path")
	norm, err := web.NormalizeBasePath(basePath)
	if err != nil {
		return config{}, fmt.Errorf("%s: %w", src, err)
	}
	c.basePath = norm
	c.logFormat, src = get("log-format")
	if c.logFormat != "text" && c.logFormat != "json" {
		return config{}, fmt.Errorf("%s: log format %q is not text or json", src, c.logFormat)
	}
	level, src := get("log-level")
	if err := c.logLevel.UnmarshalText([]byte(level)); err != nil {
		return config{}, fmt.Errorf("%s: log level %q is not debug, info, warn or error", src, level)
	}
	return c, nil
}

func validateAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("address %q is not host:port (for example :8080 or 127.0.0.1:8080)", addr)
	}
	if strings.ContainsAny(host, " /") {
		return fmt.Errorf("address %q has an invalid host", addr)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("address %q: port must be a number from 0 to 65535", addr)
	}
	return nil
}

func printUsage(w io.Writer) {
	fmt.Fprintf(w, "Stride: an interactive tutor for the mechanics of deep learning.\n\n")
	fmt.Fprintf(w, "Usage:\n  stride [flags]            run the server\n  stride healthcheck [flags] exit 0 when the server on -addr answers /healthz\n\n")
	fmt.Fprintf(w, "Flags (a flag beats its environment variable):\n")
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	for _, s := range settings {
		def := s.def
		if def == "" {
			def = `""`
		}
		fmt.Fprintf(tw, "  -%s\t%s\tdefault %s\t%s\n", s.flag, s.env, def, s.help)
	}
	_ = tw.Flush()
}

func newLogger(c config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.logLevel}
	if c.logFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func isHelp(err error) bool { return errors.Is(err, errHelp) }
