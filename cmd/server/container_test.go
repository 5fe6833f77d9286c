//go:build linux

package main

// The container tests keep the Dockerfile honest without a Docker engine.
// TestContainerDockerfile checks the Dockerfile's shape; TestContainerImage
// builds the binary with the Dockerfile's own build command and runs it the
// way the distroless image does: chrooted into a directory that holds only
// the binary (no shell, no /etc, no /proc, no /dev), as uid/gid 65532.

import (
	"bufio"
	"bytes"
	"context"
	"debug/buildinfo"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// containerUID is distroless's nonroot user and group.
const containerUID = 65532

// containerVersion is what the test stamps in place of ${VERSION}.
const containerVersion = "v0.0.0-container-test"

// dfInstruction is one Dockerfile instruction with continuation lines joined.
type dfInstruction struct {
	cmd  string // upper-cased: FROM, RUN, ...
	args string
	line int
}

func containerModuleRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root %s: %v", root, err)
	}
	return root
}

// parseDockerfile reads the repository's Dockerfile into instructions. It
// understands what the Dockerfile uses: comments, blank lines and
// backslash continuations.
func parseDockerfile(t *testing.T) []dfInstruction {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(containerModuleRoot(t), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var out []dfInstruction
	var cur strings.Builder
	start := 0
	for i, line := range strings.Split(string(data), "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		if cur.Len() == 0 {
			start = i + 1
		}
		if strings.HasSuffix(trimmed, `\`) {
			cur.WriteString(strings.TrimSuffix(trimmed, `\`) + " ")
			continue
		}
		cur.WriteString(trimmed)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, dfInstruction{cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args), line: start})
		cur.Reset()
	}
	if cur.Len() > 0 {
		t.Fatalf("Dockerfile ends inside a continued line")
	}
	return out
}

// dockerfileStages splits instructions at each FROM.
func dockerfileStages(instrs []dfInstruction) [][]dfInstruction {
	var out [][]dfInstruction
	for _, in := range instrs {
		if in.cmd == "FROM" {
			out = append(out, nil)
		}
		if len(out) > 0 {
			out[len(out)-1] = append(out[len(out)-1], in)
		}
	}
	return out
}

// dockerfileFromImage returns the image of a FROM instruction, without --platform.
func dockerfileFromImage(args string) string {
	for _, f := range strings.Fields(args) {
		if !strings.HasPrefix(f, "--") {
			return f
		}
	}
	return ""
}

// dockerfileShellWords splits a simple shell command line into words, honouring
// single and double quotes. It is enough for one `VAR=x go build ...` line.
func dockerfileShellWords(s string) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord := false
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				w.WriteRune(r)
			}
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		default:
			w.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated %c quote in %q", quote, s)
	}
	if inWord {
		words = append(words, w.String())
	}
	return words, nil
}

// dockerBuildCommand finds the Dockerfile's `go build` and returns its
// environment assignments and its arguments after `go`, exactly as written
// (variables not yet expanded).
func dockerBuildCommand(t *testing.T, instrs []dfInstruction) (env, args []string) {
	t.Helper()
	var found []string
	for _, in := range instrs {
		if in.cmd != "RUN" || !strings.Contains(in.args, "go build") {
			continue
		}
		if found != nil {
			t.Fatalf("Dockerfile line %d: a second `go build`; the test expects one", in.line)
		}
		words, err := dockerfileShellWords(in.args)
		if err != nil {
			t.Fatalf("Dockerfile line %d: %v", in.line, err)
		}
		for len(words) > 0 && strings.HasPrefix(words[0], "--") { // --mount=...
			words = words[1:]
		}
		found = words
	}
	if found == nil {
		t.Fatal("Dockerfile has no RUN ... go build")
	}
	i := 0
	for ; i < len(found) && strings.Contains(found[i], "=") && found[i] != "go"; i++ {
		env = append(env, found[i])
	}
	if i+1 >= len(found) || found[i] != "go" || found[i+1] != "build" {
		t.Fatalf("Dockerfile build command %q is not `[VAR=value ...] go build ...`", strings.Join(found, " "))
	}
	for _, w := range found[i:] {
		if w == "&&" || w == ";" || w == "|" {
			t.Fatalf("Dockerfile build command %q chains other commands; keep `go build` alone in its RUN", strings.Join(found, " "))
		}
	}
	return env, found[i+1:]
}

func TestContainerDockerfile(t *testing.T) {
	instrs := parseDockerfile(t)
	st := dockerfileStages(instrs)
	if len(st) < 2 {
		t.Fatalf("Dockerfile has %d dockerfileStages; want a builder and a final image", len(st))
	}

	// The builder's Go is go.mod's major.minor.
	gomod, err := os.ReadFile(filepath.Join(containerModuleRoot(t), "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+)(\.\d+)?\s*$`).FindSubmatch(gomod)
	if m == nil {
		t.Fatal("go.mod has no go line")
	}
	goMinor := string(m[1])
	builder := dockerfileFromImage(st[0][0].args)
	repo, tag, _ := strings.Cut(builder, ":")
	if repo != "golang" && repo != "docker.io/library/golang" {
		t.Errorf("builder image %q is not golang", builder)
	}
	if tag != goMinor && !strings.HasPrefix(tag, goMinor+".") && !strings.HasPrefix(tag, goMinor+"-") {
		t.Errorf("builder image %q does not match go.mod's go %s", builder, goMinor)
	}

	// Modules are downloaded, with a cache mount, before the source is copied.
	var sawModCopy, sawDownload, sawSource bool
	for _, in := range st[0] {
		switch {
		case in.cmd == "COPY" && strings.Fields(in.args)[0] == "go.mod":
			sawModCopy = true
		case in.cmd == "RUN" && strings.Contains(in.args, "go mod download"):
			if !sawModCopy || sawSource {
				t.Errorf("Dockerfile line %d: go mod download should follow COPY go.mod go.sum and precede COPY . .", in.line)
			}
			if !strings.Contains(in.args, "--mount=type=cache,target=/go/pkg/mod") {
				t.Errorf("Dockerfile line %d: go mod download has no module cache mount", in.line)
			}
			sawDownload = true
		case in.cmd == "COPY" && strings.HasPrefix(in.args, ". "):
			sawSource = true
		}
	}
	if !sawDownload {
		t.Error("builder stage has no `go mod download` layer")
	}

	env, args := dockerBuildCommand(t, st[0])
	cmdline := strings.Join(append(append(env, "go"), args...), " ")
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "-X main.version=${VERSION}", "./cmd/server"} {
		if !strings.Contains(cmdline, want) {
			t.Errorf("Dockerfile build command %q lacks %q", cmdline, want)
		}
	}

	final := st[len(st)-1]
	img := dockerfileFromImage(final[0].args)
	if img != "scratch" && !(strings.HasPrefix(img, "gcr.io/distroless/static") && strings.Contains(img, ":nonroot")) {
		t.Errorf("final image %q is neither distroless/static:nonroot nor scratch", img)
	}
	seen := map[string]string{}
	for _, in := range final {
		seen[in.cmd] = in.args
		if in.cmd == "ENV" && strings.Contains(in.args, "STRIDE_ADDR") {
			t.Errorf("Dockerfile line %d: ENV STRIDE_ADDR would hide PORT, which platforms set; :8080 is already the default", in.line)
		}
	}
	if u := seen["USER"]; u != "65532" && u != "65532:65532" && u != "nonroot" && u != "nonroot:nonroot" {
		t.Errorf("final USER is %q, want 65532 (distroless nonroot)", u)
	}
	if !strings.Contains(" "+seen["EXPOSE"]+" ", " 8080 ") {
		t.Errorf("final EXPOSE is %q, want 8080", seen["EXPOSE"])
	}
	if !strings.Contains(seen["COPY"], "--from=") || !strings.HasSuffix(seen["COPY"], " /stride") {
		t.Errorf("final COPY is %q, want the binary copied from the builder to /stride", seen["COPY"])
	}
	var entry []string
	if err := json.Unmarshal([]byte(seen["ENTRYPOINT"]), &entry); err != nil || len(entry) != 1 || entry[0] != "/stride" {
		t.Errorf("ENTRYPOINT is %q, want exec form [\"/stride\"] (there is no shell)", seen["ENTRYPOINT"])
	}
	// The data directory: an absolute STRIDE_DATA_DIR, declared a volume,
	// copied in owned by the nonroot user so the server can write there.
	dataDir := dockerfileFinalEnv(t, final)["STRIDE_DATA_DIR"]
	if !strings.HasPrefix(dataDir, "/") {
		t.Errorf("final stage sets STRIDE_DATA_DIR=%q, want an absolute path", dataDir)
	}
	if vols := dockerfileVolumes(t, final); !slices.Contains(vols, dataDir) {
		t.Errorf("VOLUME %v does not declare the data directory %q", vols, dataDir)
	}
	chowned := false
	for _, in := range final {
		f := strings.Fields(in.args)
		if in.cmd == "COPY" && slices.Contains(f, "--chown=65532:65532") && f[len(f)-1] == dataDir {
			chowned = true
		}
	}
	if !chowned {
		t.Errorf("no COPY --chown=65532:65532 ... %s: the nonroot server could not create its database", dataDir)
	}
	hc := seen["HEALTHCHECK"]
	_, hcCmd, ok := strings.Cut(hc, "CMD ")
	var hcArgs []string
	if !ok || json.Unmarshal([]byte(hcCmd), &hcArgs) != nil || strings.Join(hcArgs, " ") != "/stride healthcheck" {
		t.Errorf("HEALTHCHECK is %q, want exec form CMD [\"/stride\", \"healthcheck\"] (there is no shell or curl)", hc)
	}
}

// dockerfileFinalEnv returns the ENV settings of a stage (KEY=value form).
func dockerfileFinalEnv(t *testing.T, stage []dfInstruction) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, in := range stage {
		if in.cmd != "ENV" {
			continue
		}
		words, err := dockerfileShellWords(in.args)
		if err != nil {
			t.Fatalf("Dockerfile line %d: %v", in.line, err)
		}
		for _, w := range words {
			k, v, ok := strings.Cut(w, "=")
			if !ok {
				t.Fatalf("Dockerfile line %d: ENV %q is not KEY=value", in.line, in.args)
			}
			out[k] = v
		}
	}
	return out
}

// dockerfileVolumes returns the paths a stage declares with VOLUME (JSON form).
func dockerfileVolumes(t *testing.T, stage []dfInstruction) []string {
	t.Helper()
	var out []string
	for _, in := range stage {
		if in.cmd != "VOLUME" {
			continue
		}
		var paths []string
		if err := json.Unmarshal([]byte(in.args), &paths); err != nil {
			t.Fatalf("Dockerfile line %d: VOLUME %s is not the JSON form", in.line, in.args)
		}
		out = append(out, paths...)
	}
	return out
}

// containerRootfs is a directory that holds only what the image holds: the
// binary and the empty data directory owned by the nonroot user.
type containerRootfs struct {
	dir string
}

// command prepares /stride with args to run chrooted into the root filesystem as
// uid/gid 65532 with exactly env as its environment.
func (r containerRootfs) command(ctx context.Context, env []string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "/stride", args...)
	cmd.Env = append([]string{}, env...)
	cmd.Dir = "/" // inside the chroot, like the image's working directory
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Chroot:     r.dir,
		Credential: &syscall.Credential{Uid: containerUID, Gid: containerUID},
	}
	cmd.WaitDelay = 2 * time.Second
	return cmd
}

// containerResult is how a short-lived chrooted command ended.
type containerResult struct {
	stdout, stderr string
	code           int
}

// run runs /stride args in the root filesystem and waits up to timeout for it.
func (r containerRootfs) run(t *testing.T, timeout time.Duration, env []string, args ...string) containerResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := r.command(ctx, env, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := containerResult{stdout: stdout.String(), stderr: stderr.String()}
	var exitErr *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("/stride %s did not finish within %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), timeout, res.stdout, res.stderr)
	case err == nil:
	case errors.As(err, &exitErr):
		res.code = exitErr.ExitCode()
	case errors.Is(err, syscall.EPERM):
		t.Skipf("cannot chroot and switch to uid %d here (%v); this needs root with CAP_SYS_CHROOT, CAP_SETUID and CAP_SETGID", containerUID, err)
	default:
		t.Fatalf("start /stride %s in chroot %s: %v", strings.Join(args, " "), r.dir, err)
	}
	return res
}

// containerFreePort finds a TCP port on 127.0.0.1 that nothing listens on now.
func containerFreePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return port
}

// containerLogBuffer collects a process's output while the test reads it.
type containerLogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *containerLogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *containerLogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// buildLikeDockerfile runs the Dockerfile's `go build` with ${VERSION} set
// to containerVersion and the output in dir, and returns the binary's path.
func buildLikeDockerfile(t *testing.T, dir string) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command in PATH to build the binary: %v", err)
	}
	env, args := dockerBuildCommand(t, parseDockerfile(t))
	vars := map[string]string{"VERSION": containerVersion, "TARGETOS": runtime.GOOS, "TARGETARCH": runtime.GOARCH}
	expand := func(s string) string {
		return os.Expand(s, func(name string) string {
			v, ok := vars[name]
			if !ok {
				t.Fatalf("Dockerfile build command uses ${%s}, which the test does not know", name)
			}
			return v
		})
	}
	out := filepath.Join(dir, "stride")
	var buildArgs []string
	for i := 0; i < len(args); i++ {
		a := expand(args[i])
		switch {
		case a == "-o" && i+1 < len(args):
			buildArgs = append(buildArgs, "-o", out)
			i++
		case strings.HasPrefix(a, "-o="):
			buildArgs = append(buildArgs, "-o="+out)
		default:
			buildArgs = append(buildArgs, a)
		}
	}
	buildEnv := os.Environ()
	var setEnv []string
	for _, e := range env {
		setEnv = append(setEnv, expand(e))
	}
	buildEnv = append(buildEnv, setEnv...)
	// The image's build context has no .git (see .dockerignore), so no VCS
	// stamping; this also keeps any GOFLAGS of the caller (-race needs cgo)
	// out of the build.
	buildEnv = append(buildEnv, "GOFLAGS=-buildvcs=false")

	// Generous: with -trimpath nothing is shared with `go test`'s own build,
	// and compiling modernc.org/sqlite (a C library translated to one very
	// large Go package) from a cold cache took over 5 minutes on the shared
	// 2-core CI machine under load.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goTool, buildArgs...)
	cmd.Dir = containerModuleRoot(t)
	cmd.Env = buildEnv
	t.Logf("building like the Dockerfile: %s go %s", strings.Join(setEnv, " "), strings.Join(buildArgs, " "))
	if output, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(buildArgs, " "), err, output)
	}
	return out
}

// checkStaticBinary requires a statically linked ELF executable built with the
// Dockerfile's settings.
func checkStaticBinary(t *testing.T, bin string) {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatalf("open %s as ELF: %v", bin, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("binary has a %v program header: it is dynamically linked and would not run in distroless/static", p.Type)
		}
	}
	if s := f.Section(".dynamic"); s != nil {
		t.Errorf("binary has a .dynamic section: it is dynamically linked")
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("binary needs shared libraries %v", libs)
	}

	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatalf("read build info: %v", err)
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	if settings["CGO_ENABLED"] != "0" {
		t.Errorf("build setting CGO_ENABLED = %q, want 0", settings["CGO_ENABLED"])
	}
	if settings["-trimpath"] != "true" {
		t.Errorf("build setting -trimpath = %q, want true", settings["-trimpath"])
	}
	// With -trimpath the toolchain does not record -ldflags; the stamped
	// version is checked in the server's startup line instead.
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if root := containerModuleRoot(t); bytes.Contains(data, []byte(root+"/")) {
		t.Errorf("binary contains the build machine's path %s despite -trimpath", root)
	}
}

func TestContainerImage(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("running the binary chrooted as uid 65532, like the distroless image, needs root (CI runs as root)")
	}
	bin := buildLikeDockerfile(t, t.TempDir())
	checkStaticBinary(t, bin)

	// The image's whole filesystem: / and /stride, nothing else.
	root := containerRootfs{dir: t.TempDir()}
	if err := os.Chmod(root.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root.dir, "stride"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	// The data directory, as the image's COPY --chown makes it, and the
	// image's ENV, which every run of the image has.
	final := dockerfileStages(parseDockerfile(t))
	imageEnv := dockerfileFinalEnv(t, final[len(final)-1])
	dataDir := imageEnv["STRIDE_DATA_DIR"]
	hostData := filepath.Join(root.dir, dataDir)
	if err := os.Mkdir(hostData, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(hostData, containerUID, containerUID); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(root.dir); len(entries) != 2 {
		t.Fatalf("root filesystem holds %d entries, want only /stride and %s", len(entries), dataDir)
	}
	var baseEnv []string
	for k, v := range imageEnv {
		baseEnv = append(baseEnv, k+"="+v)
	}

	// -help works with no /etc, /dev or /proc.
	res := root.run(t, 10*time.Second, nil, "-help")
	if res.code != 0 || !strings.Contains(res.stdout, "Usage:") || !strings.Contains(res.stdout, "STRIDE_BASE_PATH") {
		t.Fatalf("/stride -help: exit %d\nstdout: %s\nstderr: %s", res.code, res.stdout, res.stderr)
	}

	// The healthcheck fails (exit 1, not a crash) when nothing listens.
	deadEnv := []string{"STRIDE_ADDR=127.0.0.1:" + strconv.Itoa(containerFreePort(t))}
	if res := root.run(t, 10*time.Second, deadEnv, "healthcheck"); res.code != 1 {
		t.Fatalf("/stride healthcheck with nothing listening: exit %d, want 1\nstdout: %s\nstderr: %s", res.code, res.stdout, res.stderr)
	}

	// The server, under a base path as in docker-compose.yml.
	port := strconv.Itoa(containerFreePort(t))
	serverEnv := append([]string{"STRIDE_ADDR=127.0.0.1:" + port, "STRIDE_BASE_PATH=/tutor"}, baseEnv...)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var logs containerLogBuffer
	server := root.command(ctx, serverEnv)
	server.Stdout, server.Stderr = &logs, &logs
	if err := server.Start(); err != nil {
		if errors.Is(err, syscall.EPERM) {
			t.Skipf("cannot chroot and switch to uid %d here: %v", containerUID, err)
		}
		t.Fatalf("start server: %v", err)
	}
	waited := make(chan error, 1)
	go func() { waited <- server.Wait() }()
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = server.Process.Kill()
			select {
			case <-waited:
			case <-time.After(10 * time.Second):
				t.Errorf("server pid %d did not exit after SIGKILL", server.Process.Pid)
			}
		}
	})

	// Wait for the startup line, which names the stamped version.
	deadline := time.Now().Add(15 * time.Second)
	var listening string
	for listening == "" {
		sc := bufio.NewScanner(strings.NewReader(logs.String()))
		for sc.Scan() {
			if strings.Contains(sc.Text(), "stride is listening") {
				listening = sc.Text()
			}
		}
		if listening != "" {
			break
		}
		select {
		case err := <-waited:
			stopped = true
			t.Fatalf("server exited before listening: %v\n%s", err, logs.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not log that it listens within 15s:\n%s", logs.String())
		}
	}
	t.Logf("server: %s", listening)
	if !strings.Contains(listening, "version="+containerVersion) {
		t.Errorf("startup line %q does not carry version=%s", listening, containerVersion)
	}
	if !strings.Contains(listening, "base_path=/tutor") {
		t.Errorf("startup line %q does not carry base_path=/tutor", listening)
	}

	// It really runs chrooted as 65532.
	pid := server.Process.Pid
	if status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
		want := regexp.MustCompile(`(?m)^Uid:\s+65532\s+65532\s+65532\s+65532$`)
		if !want.Match(status) {
			t.Errorf("server is not running as uid 65532:\n%s", status)
		}
	}
	if got, err := os.Readlink(fmt.Sprintf("/proc/%d/root", pid)); err == nil {
		want, _ := filepath.EvalSymlinks(root.dir)
		if got != want {
			t.Errorf("server's root is %s, want the chroot %s", got, want)
		}
	}

	// It created its database in the data directory, as the nonroot user.
	if fi, err := os.Stat(filepath.Join(hostData, "stride.db")); err != nil {
		t.Errorf("no database in the data directory: %v", err)
	} else if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Uid != containerUID {
		t.Errorf("database owned by uid %d, want %d", st.Uid, containerUID)
	}
	if res := root.run(t, 10*time.Second, baseEnv, "migrate", "status"); res.code != 0 || !strings.Contains(res.stdout, "applied") {
		t.Errorf("/stride migrate status in the image: exit %d\nstdout: %s\nstderr: %s", res.code, res.stdout, res.stderr)
	}

	// The image's HEALTHCHECK: the same environment, no flags.
	res = root.run(t, 10*time.Second, serverEnv, "healthcheck")
	if res.code != 0 || !strings.Contains(res.stdout, "healthy") {
		t.Fatalf("/stride healthcheck: exit %d, want 0\nstdout: %s\nstderr: %s", res.code, res.stdout, res.stderr)
	}
	// With -addr :PORT, as when the server listens on all interfaces.
	res = root.run(t, 10*time.Second, []string{"STRIDE_BASE_PATH=/tutor"}, "healthcheck", "-addr", ":"+port)
	if res.code != 0 {
		t.Fatalf("/stride healthcheck -addr :%s: exit %d, want 0\nstdout: %s\nstderr: %s", port, res.code, res.stdout, res.stderr)
	}
	// Without the base path it asks /healthz, which is not there.
	res = root.run(t, 10*time.Second, []string{"STRIDE_ADDR=127.0.0.1:" + port}, "healthcheck")
	if res.code != 1 {
		t.Fatalf("/stride healthcheck without STRIDE_BASE_PATH: exit %d, want 1\nstdout: %s\nstderr: %s", res.code, res.stdout, res.stderr)
	}

	// Pages and assets come from the binary alone.
	client := &http.Client{Timeout: 5 * time.Second}
	for _, path := range []string{"/tutor/readyz", "/tutor/", "/tutor/playground"} {
		resp, err := client.Get("http://127.0.0.1:" + port + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s\n%s", path, resp.Status, body)
		}
		if path == "/tutor/" && !bytes.Contains(body, []byte("/tutor/static/")) {
			t.Errorf("GET /tutor/ does not link assets under the base path:\n%.500s", body)
		}
	}

	// docker stop sends SIGTERM: the server shuts down gracefully, exit 0.
	if err := server.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case err := <-waited:
		stopped = true
		if err != nil {
			t.Fatalf("server exit after SIGTERM: %v\n%s", err, logs.String())
		}
	case <-time.After(shutdownGrace + 5*time.Second):
		t.Fatalf("server did not exit within %v of SIGTERM:\n%s", shutdownGrace+5*time.Second, logs.String())
	}
	if !strings.Contains(logs.String(), "shutting down") {
		t.Errorf("server logs do not show a graceful shutdown:\n%s", logs.String())
	}
}
