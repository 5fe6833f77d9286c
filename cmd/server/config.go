package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/stride-tutor/stride/internal/store"
	"github.com/stride-tutor/stride/web"
)

// config is the server's whole configuration, from flags and environment.
type config struct {
	addr       string
	basePath   string
	logFormat  string
	logLevel   slog.Level
	maxStreams int
	// maxStreamsPerClient caps one client address's animation websockets.
	maxStreamsPerClient int
	allowedOrigins      []string
	frameAncestors      []string
	trustedProxy        string
	work                web.WorkConfig
	apiRate             web.RateConfig
	pageCacheBytes      int64
	// dataDir holds the SQLite database; databaseURL, when set, selects
	// PostgreSQL instead.
	dataDir     string
	databaseURL string
	// databaseMaxConns is the PostgreSQL pool size (0: store's default).
	databaseMaxConns int
	// secureCookies and sessionLifetime configure instructor sign-in.
	secureCookies   bool
	sessionLifetime time.Duration
	// ltiLeeway is the clock skew allowed on LTI id_tokens.
	ltiLeeway time.Duration
	// live bounds the live class sessions.
	live web.LiveConfig
	// authoring is the exercise files directory (cmd/server/authoring.go).
	authoring web.AuthoringConfig
	// gcFloor is the heap size below which garbage collection does not
	// start (internal/gctune); 0 leaves the Go runtime's pacing alone.
	gcFloor uint64
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
	{"max-streams", "STRIDE_MAX_STREAMS", "5000", "most concurrent animation websockets; more are refused with close code 1013"},
	{"max-streams-per-client", "STRIDE_MAX_STREAMS_PER_CLIENT", "50", "most concurrent animation websockets from one client address (see -trusted-proxy-header); more are refused with close code 1013. Raise it for classrooms behind one NAT address"},
	{"frame-ancestors", "STRIDE_FRAME_ANCESTORS", "https: http://localhost:* http://127.0.0.1:*", "space-separated CSP sources allowed to frame /embed/ pages; 'none' forbids embedding"},
	{"allowed-origins", "STRIDE_ALLOWED_ORIGINS", "", "comma-separated origins (https://lms.example.edu) whose pages may open animation websockets; * for any"},
	{"work-limit", "STRIDE_WORK_LIMIT", "0", "most expensive requests (compute API, checks, uncached pages) running at once; 0 means one per usable core (GOMAXPROCS)"},
	{"work-queue", "STRIDE_WORK_QUEUE", "128", "most expensive requests waiting for a slot; beyond it they get 503 with Retry-After at once; 0 means none wait"},
	{"work-queue-timeout", "STRIDE_WORK_QUEUE_TIMEOUT", "250ms", "longest wait for a slot before 503 with Retry-After (10ms to 30s)"},
	{"work-per-client", "STRIDE_WORK_PER_CLIENT", "0", "most work slots one client (see -trusted-proxy-header) may hold at once; its further expensive requests wait in a line of their own (64 long); 0 means half of -work-limit, at least 1"},
	{"api-rate-limit", "STRIDE_API_RATE_LIMIT", "600", "API requests one client may make per -api-rate-window; excess gets 429 with Retry-After; 0 turns the limit off"},
	{"api-rate-window", "STRIDE_API_RATE_WINDOW", "1m", "sliding window of -api-rate-limit (1s to 1h)"},
	{"page-cache-mib", "STRIDE_PAGE_CACHE_MIB", "32", "memory in MiB for rendered pages kept for reuse (plain and gzipped); 0 turns the cache off"},
	{"data-dir", "STRIDE_DATA_DIR", "./stride-data", "directory of the embedded SQLite database (created on first start); back it up with `stride backup FILE`"},
	{"database-url", "STRIDE_DATABASE_URL", "", "postgres://user:password@host/db?sslmode=...: use PostgreSQL instead of SQLite (needed for more than one replica)"},
	{"database-max-conns", "STRIDE_DATABASE_MAX_CONNS", "0", "PostgreSQL connections this server keeps at most (4 to 1000; one is kept for instructors' live controls); 0: four per core of this machine, at least 8 (more processes than the database's cores add no throughput)"},
	{"secure-cookies", "STRIDE_SECURE_COOKIES", "false", "true: mark sign-in and learner cookies Secure even on plain HTTP; set it when a proxy in front terminates TLS (requests that arrive over TLS always get Secure cookies)"},
	{"session-lifetime", "STRIDE_SESSION_LIFETIME", "168h", "how long an instructor stays signed in (5m to 2160h); signing out ends it at once"},
	{"lti-leeway", "STRIDE_LTI_LEEWAY", "60s", "clock skew allowed on an LTI launch's id_token exp and iat (1s to 10m)"},
	{"live-max-sessions", "STRIDE_LIVE_MAX_SESSIONS", "200", "most live class sessions open at once on this server (1 to 10000); starting another is refused with 503"},
	{"live-max-students", "STRIDE_LIVE_MAX_STUDENTS", "400", "most students who may join one live session (1 to 10000); more are refused with 409"},
	{"live-max-conns", "STRIDE_LIVE_MAX_CONNS", "20000", "most live-session websockets open at once on this server (1 to 1000000); more are refused with 429"},
	{"live-student-msg-rate", "STRIDE_LIVE_STUDENT_MSG_RATE", "1", "messages a second a student's live page may send, after a burst of 10 times it (1 to 1000); beyond it the websocket is closed with 1008 naming this setting (pages send none: answers are forms)"},
	{"live-instructor-msg-rate", "STRIDE_LIVE_INSTRUCTOR_MSG_RATE", "60", "player drive messages a second an instructor's live page may send, after a burst of twice it (1 to 1000); beyond it the websocket is closed with 1008 naming this setting"},
	{"live-control-rate", "STRIDE_LIVE_CONTROL_RATE", "5", "instructor controls a second one live session takes on this server, after a burst of 4 times it (1 to 1000); beyond it 429 with Retry-After naming this setting"},
	{"exercises-dir", "STRIDE_EXERCISES_DIR", "", "directory of exercise files (*.yaml, docs/AUTHORING.md) loaded at start and reloaded when they change; empty: none"},
	{"exercises-poll", "STRIDE_EXERCISES_POLL", "2s", "how often -exercises-dir is checked for changed files, and the database for exercises saved in the browser (100ms to 1h)"},
	{"live-idle-timeout", "STRIDE_LIVE_IDLE_TIMEOUT", "3h", "a live session with no instructor action for this long ends (1m to 48h); its code then tells students it ended"},
	{"gc-min-heap-mib", "STRIDE_GC_MIN_HEAP_MIB", "32", "heap size in MiB below which the garbage collector does not start a cycle (0 to 65536); a small heap then costs far less collection per request, a large one is collected as GOGC says; 0 leaves the Go runtime's pacing (GOGC, GOMEMLIMIT) alone"},
	{"trusted-proxy-header", "STRIDE_TRUSTED_PROXY_HEADER", "", "header a reverse proxy sets to the client address (X-Forwarded-For or X-Real-IP); per-client limits use it instead of the TCP peer. Set it only behind a proxy that overwrites it"},
}

// errHelp reports that -help was asked for and usage was printed.
var errHelp = flag.ErrHelp

// parseConfig reads flags from args and falls back to the environment, then
// to defaults. An invalid value is an error that names the setting.
func parseConfig(args []string, getenv func(string) string, usageOut io.Writer) (config, error) {
	c, rest, err := parseConfigArgs(args, getenv, usageOut)
	if err != nil {
		return config{}, err
	}
	if len(rest) > 0 {
		return config{}, fmt.Errorf("unexpected argument %q (subcommands: healthcheck, migrate, backup, user; see -help)", rest[0])
	}
	return c, nil
}

// parseConfigArgs is parseConfig for subcommands that take arguments after
// the flags (stride backup [flags] FILE): it returns them.
func parseConfigArgs(args []string, getenv func(string) string, usageOut io.Writer) (config, []string, error) {
	fs := flag.NewFlagSet("stride", flag.ContinueOnError)
	fs.SetOutput(usageOut)
	values := map[string]*string{}
	for _, s := range settings {
		values[s.flag] = fs.String(s.flag, "", s.help)
	}
	fs.Usage = func() { printUsage(usageOut) }
	if err := fs.Parse(args); err != nil {
		return config{}, nil, err
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
		return config{}, nil, fmt.Errorf("%s: %w", src, err)
	}
	basePath, src := get("base-path")
	norm, err := web.NormalizeBasePath(basePath)
	if err != nil {
		return config{}, nil, fmt.Errorf("%s: %w", src, err)
	}
	c.basePath = norm
	c.logFormat, src = get("log-format")
	if c.logFormat != "text" && c.logFormat != "json" {
		return config{}, nil, fmt.Errorf("%s: log format %q is not text or json", src, c.logFormat)
	}
	level, src := get("log-level")
	if c.logLevel, err = parseLogLevel(level); err != nil {
		return config{}, nil, fmt.Errorf("%s: %w", src, err)
	}
	streams, src := get("max-streams")
	n, err := strconv.Atoi(streams)
	if err != nil || n < 1 || n > 1_000_000 {
		return config{}, nil, fmt.Errorf("%s: %q is not a whole number from 1 to 1000000", src, streams)
	}
	c.maxStreams = n
	perClient, src := get("max-streams-per-client")
	n, err = strconv.Atoi(perClient)
	if err != nil || n < 1 || n > 1_000_000 {
		return config{}, nil, fmt.Errorf("%s: %q is not a whole number from 1 to 1000000", src, perClient)
	}
	c.maxStreamsPerClient = n
	ancestors, src := get("frame-ancestors")
	if c.frameAncestors, err = parseFrameAncestors(ancestors); err != nil {
		return config{}, nil, fmt.Errorf("%s: %w", src, err)
	}
	origins, src := get("allowed-origins")
	if c.allowedOrigins, err = parseOrigins(origins); err != nil {
		return config{}, nil, fmt.Errorf("%s: %w", src, err)
	}
	proxyHeader, src := get("trusted-proxy-header")
	if _, err := web.NewClientIPs(proxyHeader); err != nil {
		return config{}, nil, fmt.Errorf("%s: %w", src, err)
	}
	c.trustedProxy = proxyHeader

	intSetting := func(name string, lo, hi int) (int, error) {
		v, src := get(name)
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < lo || n > hi {
			return 0, fmt.Errorf("%s: %q is not a whole number from %d to %d", src, v, lo, hi)
		}
		return n, nil
	}
	durationSetting := func(name string, lo, hi time.Duration) (time.Duration, error) {
		v, src := get(name)
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil || d < lo || d > hi {
			return 0, fmt.Errorf("%s: %q is not a duration from %s to %s (like 250ms or 1m)", src, v, lo, hi)
		}
		return d, nil
	}
	if c.work.Limit, err = intSetting("work-limit", 0, 10_000); err != nil {
		return config{}, nil, err
	}
	queue, err := intSetting("work-queue", 0, 100_000)
	if err != nil {
		return config{}, nil, err
	}
	// web.WorkConfig reads 0 as its default queue; "no queue" is negative.
	c.work.Queue = queue
	if queue == 0 {
		c.work.Queue = -1
	}
	if c.work.PerClient, err = intSetting("work-per-client", 0, 10_000); err != nil {
		return config{}, nil, err
	}
	if c.work.QueueWait, err = durationSetting("work-queue-timeout", 10*time.Millisecond, 30*time.Second); err != nil {
		return config{}, nil, err
	}
	if c.apiRate.Requests, err = intSetting("api-rate-limit", 0, 10_000_000); err != nil {
		return config{}, nil, err
	}
	if c.apiRate.Window, err = durationSetting("api-rate-window", time.Second, time.Hour); err != nil {
		return config{}, nil, err
	}
	floor, err := intSetting("gc-min-heap-mib", 0, 65_536)
	if err != nil {
		return config{}, nil, err
	}
	c.gcFloor = uint64(floor) << 20
	mib, err := intSetting("page-cache-mib", 0, 65_536)
	if err != nil {
		return config{}, nil, err
	}
	// web.Config reads 0 as the default size; "off" is negative.
	c.pageCacheBytes = int64(mib) << 20
	if mib == 0 {
		c.pageCacheBytes = -1
	}
	c.dataDir, src = get("data-dir")
	if strings.TrimSpace(c.dataDir) == "" {
		return config{}, nil, fmt.Errorf("%s: give a directory for the database", src)
	}
	c.databaseURL, src = get("database-url")
	if c.databaseURL != "" && !store.IsPostgresURL(c.databaseURL) {
		// The value is not echoed: it may hold a password.
		return config{}, nil, fmt.Errorf("%s: must start with postgres:// or postgresql://", src)
	}
	if c.databaseMaxConns, err = intSetting("database-max-conns", 0, store.MaxMaxConns); err != nil {
		return config{}, nil, err
	}
	if c.databaseMaxConns != 0 && c.databaseMaxConns < store.MinMaxConns {
		_, src := get("database-max-conns")
		return config{}, nil, fmt.Errorf("%s: %d is below %d (0 picks the default)", src, c.databaseMaxConns, store.MinMaxConns)
	}
	secure, src := get("secure-cookies")
	if c.secureCookies, err = strconv.ParseBool(strings.TrimSpace(secure)); err != nil {
		return config{}, nil, fmt.Errorf("%s: %q is not true or false", src, secure)
	}
	if c.live.MaxSessions, err = intSetting("live-max-sessions", 1, 10_000); err != nil {
		return config{}, nil, err
	}
	if c.live.MaxStudents, err = intSetting("live-max-students", 1, 10_000); err != nil {
		return config{}, nil, err
	}
	if c.live.MaxConns, err = intSetting("live-max-conns", 1, 1_000_000); err != nil {
		return config{}, nil, err
	}
	if c.live.IdleTimeout, err = durationSetting("live-idle-timeout", time.Minute, 48*time.Hour); err != nil {
		return config{}, nil, err
	}
	if c.live.StudentMsgRate, err = intSetting("live-student-msg-rate", 1, 1000); err != nil {
		return config{}, nil, err
	}
	if c.live.InstructorMsgRate, err = intSetting("live-instructor-msg-rate", 1, 1000); err != nil {
		return config{}, nil, err
	}
	if c.live.ControlRate, err = intSetting("live-control-rate", 1, 1000); err != nil {
		return config{}, nil, err
	}
	if c.sessionLifetime, err = durationSetting("session-lifetime", 5*time.Minute, 90*24*time.Hour); err != nil {
		return config{}, nil, err
	}
	if c.ltiLeeway, err = durationSetting("lti-leeway", time.Second, 10*time.Minute); err != nil {
		return config{}, nil, err
	}
	if c.authoring.Poll, err = durationSetting("exercises-poll", 100*time.Millisecond, time.Hour); err != nil {
		return config{}, nil, err
	}
	dir, src := get("exercises-dir")
	if c.authoring.Dir, err = checkExercisesDir(dir); err != nil {
		return config{}, nil, fmt.Errorf("%s: %w", src, err)
	}
	return c, fs.Args(), nil
}

// parseLogLevel accepts exactly the documented levels, in any case.
// slog.Level's own parser also takes offsets such as "INFO+2", which the
// documentation does not promise and which hide typos.
func parseLogLevel(s string) (slog.Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("log level %q is not debug, info, warn or error", s)
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
	fmt.Fprintf(w, "Usage:\n")
	fmt.Fprintf(w, "  stride [flags]                 run the server (opens the database and migrates it first)\n")
	fmt.Fprintf(w, "  stride healthcheck [flags]     exit 0 when the server on -addr answers /healthz\n")
	fmt.Fprintf(w, "  stride migrate status [flags]  print the database's schema version and each migration\n")
	fmt.Fprintf(w, "  stride migrate up [flags]      apply pending migrations (the server also does this at start)\n")
	fmt.Fprintf(w, "  stride backup [flags] FILE     copy the SQLite database to FILE while the server runs\n")
	fmt.Fprintf(w, "                                 (PostgreSQL: use pg_dump; see the README)\n")
	fmt.Fprintf(w, "  stride user create -email ADDRESS -role admin|instructor [-name NAME] [flags]\n")
	fmt.Fprintf(w, "                                 add an account; the password is asked on the terminal\n")
	fmt.Fprintf(w, "                                 or read from the first line of stdin\n")
	fmt.Fprintf(w, "  stride user reset-password -email ADDRESS [-origin https://HOST] [flags]\n")
	fmt.Fprintf(w, "                                 print a one-time password-reset link (72 hours)\n")
	fmt.Fprintf(w, "  stride user list [flags]       list the accounts and whether each is disabled\n\n")
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

// parseOrigins reads a comma-separated list of origins such as
// "https://lms.example.edu, http://localhost:3000", or "*".
func parseOrigins(list string) ([]string, error) {
	var out []string
	for _, o := range strings.Split(list, ",") {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		if o == "*" {
			out = append(out, o)
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			return nil, fmt.Errorf("origin %q is not scheme://host[:port], like https://lms.example.edu", o)
		}
		out = append(out, u.Scheme+"://"+u.Host)
	}
	return out, nil
}

// parseFrameAncestors checks a CSP frame-ancestors source list. Each source
// is a keyword ('self', 'none'), a scheme ("https:") or a host source
// ("https://lms.example.edu", "*.example.edu", "http://localhost:*").
// Characters that would end the directive are refused, so the value cannot
// smuggle other directives into the header.
func parseFrameAncestors(list string) ([]string, error) {
	fields := strings.Fields(list)
	if len(fields) == 0 {
		return nil, fmt.Errorf("give at least one source, or 'none' to forbid embedding")
	}
	for _, f := range fields {
		if strings.ContainsAny(f, ";,\"") {
			return nil, fmt.Errorf("source %q may not contain ';', ',' or quotes other than around a keyword", f)
		}
		if strings.HasPrefix(f, "'") {
			if f != "'self'" && f != "'none'" {
				return nil, fmt.Errorf("keyword %s is not 'self' or 'none'", f)
			}
			if f == "'none'" && len(fields) > 1 {
				return nil, fmt.Errorf("'none' cannot be combined with other sources")
			}
			continue
		}
		if strings.ContainsAny(f, "'<>") {
			return nil, fmt.Errorf("source %q is not a valid CSP source", f)
		}
	}
	return fields, nil
}
