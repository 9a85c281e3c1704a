package compiler

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/load"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"

	"github.com/gantry-gitops/gantry/config"
	"github.com/gantry-gitops/gantry/schema"
)

// LoadOptions tunes Load. The zero value is what the CLI uses.
type LoadOptions struct {
	// RelativeTo is the directory diagnostics' file names are relative to;
	// empty means the process's working directory.
	RelativeTo string

	// FS, when set, is read instead of the disk: a tree standing for the
	// directory FSRoot (absolute), such as a git commit's tree
	// (internal/gitrepo) standing for the repository's root. The
	// configuration's dir is read at its place under FSRoot in FS, and
	// diagnostics name files as if FS were at FSRoot, so a configuration
	// at a commit and in the work tree have the same file names. Symbolic
	// links are followed when FS implements fs.ReadLinkFS, and must stay
	// inside it.
	FS     fs.FS
	FSRoot string

	// The loader's fast paths, turned off: the tests load with and
	// without them to show they give the same result.

	// wholeMerge merges every definition whole (mergeWhole), never field
	// by field.
	wholeMerge bool
	// listFields reads every struct's fields with Fields, never by the
	// syntax's shapes (readRoot).
	listFields bool
}

// Load reads the CUE configuration tree at dir (one package across its
// directories; testdata/, vendor/, cue.mod/ and hidden directories are
// skipped; symbolic links inside the repository are followed, see
// listFiles), adds gantry's schema to the package, evaluates it with a fresh
// cue.Context and checks it. It returns the effective configuration per
// environment and every diagnostic, errors and warnings, sorted by file and
// line.
//
// The error result is only for usage or internal failures (dir does not
// exist, a file cannot be read). When the diagnostics contain errors the
// project is nil.
func Load(dir string) (*config.Project, Diagnostics, error) {
	return LoadWithOptions(dir, LoadOptions{})
}

// LoadWithOptions is Load with options.
func LoadWithOptions(dir string, opts LoadOptions) (*config.Project, Diagnostics, error) {
	p, ds, _, err := loadAll(dir, opts)
	return p, ds, err
}

// Loaded is a load's result with what it was made from.
type Loaded struct {
	Project     *config.Project // nil when Diagnostics has errors
	Diagnostics Diagnostics
	// Files are the files the load read, sorted by path: the .cue files
	// of the tree and cue.mod/module.cue.
	Files []SourceFile
	// Schema is the text of gantry's schema the configuration was
	// evaluated with (empty when it did not get that far).
	Schema []byte
}

// SourceFile is one file a load read.
type SourceFile struct {
	// Path is relative to the configuration's directory, with slashes.
	Path string
	Data []byte
}

// LoadTree is LoadWithOptions, also returning the files it read: what a
// plan records the hash of (a configuration is the same when these are).
func LoadTree(dir string, opts LoadOptions) (*Loaded, error) {
	p, ds, l, err := loadAll(dir, opts)
	if err != nil {
		return nil, err
	}
	return &Loaded{Project: p, Diagnostics: ds, Files: l.sourceFiles(), Schema: l.schemaSrc}, nil
}

// loadAll is LoadWithOptions; it also returns the loader, whose checker
// holds the effective values (for the tests).
func loadAll(dir string, opts LoadOptions) (*config.Project, Diagnostics, *loader, error) {
	l, err := newLoader(dir, opts)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := l.readFiles(); err != nil {
		return nil, nil, nil, err
	}
	if opts.FS != nil {
		slog.Debug("gantry: configuration read from a tree", "dir", l.dir, "root", opts.FSRoot, "files", len(l.files))
	}
	// The variables marked @sensitive() (the syntax's marks), before the
	// checks: they propagate to the variables that use their values
	// (checker.run), and no check quotes them.
	l.marks = sensitiveVars(l.files, l.sources)
	p := l.evaluate()
	ds := normalize(l.diags)
	maskSensitiveDiagnostics(ds, l.marks)
	maskSensitiveValues(ds, l.secrets)
	if ds.HasErrors() {
		return nil, ds, l, nil
	}
	return p, ds, l, nil
}

// loader holds the state of one load: the files, their sources (for
// position heuristics) and the diagnostics found so far.
type loader struct {
	dir   string // absolute
	relTo string // absolute; display names are relative to it
	tree  fileTree
	// fsys and fsRoot are LoadOptions' FS and FSRoot (cue/load reads
	// imported packages from them).
	fsys   fs.FS
	fsRoot string

	files   []*ast.File
	sources map[string][]byte // by display file name
	absPath map[string]string // display file name → absolute path
	index   *declIndex
	indexed chan *declIndex // the index being built, until waitIndex
	pkg     string

	schemaSrc  []byte
	root       cue.Value // the evaluated package, once built
	schemaFile *ast.File
	// skipErr drops CUE errors that do not matter (those inside a service
	// that is disabled in that environment).
	skipErr func(path []string) bool
	// marks are the variables marked @sensitive(), by the syntax, and
	// those that use their values; secrets are the sensitive values
	// (propagateSensitive).
	marks   sensitiveMarks
	secrets []sensitiveSource
	// checker is the evaluation's checker, once built.
	checker *checker
	// wholeMerge and listFields are LoadOptions'.
	wholeMerge, listFields bool

	mu    sync.Mutex // guards diags and the spec memos: environments are checked in parallel
	diags Diagnostics

	// formatMu serialises formatting CUE values: CUE's exporter sorts a
	// value's conjuncts in place, and environments checked in parallel
	// share values.
	formatMu sync.Mutex
}

// format prints a CUE value for a message.
func (l *loader) format(v cue.Value) string {
	l.formatMu.Lock()
	defer l.formatMu.Unlock()
	return fmt.Sprint(v)
}

func newLoader(dir string, opts LoadOptions) (*loader, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	tree, err := newTree(opts)
	if err != nil {
		return nil, err
	}
	if opts.FS != nil && !within(opts.FSRoot, abs) {
		// dir spelled through a symbolic link to the repository.
		if real, err := filepath.EvalSymlinks(abs); err == nil && within(opts.FSRoot, real) {
			abs = real
		}
	}
	fi, err := tree.Stat(abs)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such directory", dir)
		}
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", dir)
	}
	rel := opts.RelativeTo
	if rel == "" {
		if rel, err = os.Getwd(); err != nil {
			return nil, err
		}
	}
	if rel, err = filepath.Abs(rel); err != nil {
		return nil, err
	}
	return &loader{dir: abs, relTo: rel, tree: tree, fsys: opts.FS, fsRoot: opts.FSRoot, sources: map[string][]byte{}, absPath: map[string]string{},
		wholeMerge: opts.wholeMerge, listFields: opts.listFields}, nil
}

// displayName is a file name relative to the current directory when that
// is shorter than the absolute path.
func (l *loader) displayName(abs string) string {
	if !filepath.IsAbs(abs) {
		return abs
	}
	rel, err := filepath.Rel(l.relTo, abs)
	if err != nil || (strings.HasPrefix(rel, "..") && len(rel) >= len(abs)) {
		return abs
	}
	return rel
}

// skipDir reports whether a directory of the tree is not part of the
// configuration, as cue vet ./... would see it.
func skipDir(name string) bool {
	switch name {
	case "testdata", "vendor", "cue.mod", "node_modules":
		return true
	}
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")
}

// readFiles collects and parses every .cue file of the tree. Parse errors
// become diagnostics; the files that parsed are kept.
func (l *loader) readFiles() error {
	paths, err := l.listFiles()
	if err != nil {
		return err
	}
	// Read and parse in parallel; parsing thousands of files is a visible
	// part of a pre-commit run.
	type result struct {
		name string
		src  []byte
		f    *ast.File
		err  error // reading
		perr error // parsing
	}
	results := make([]result, len(paths))
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				r := &results[i]
				r.name = l.displayName(paths[i])
				r.src, r.err = l.tree.ReadFile(paths[i])
				if r.err == nil {
					r.f, r.perr = parser.ParseFile(r.name, r.src)
				}
			}
		}()
	}
	for i := range paths {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, r := range results {
		if r.err != nil {
			return r.err
		}
		l.sources[r.name] = r.src
		l.absPath[r.name] = paths[i]
		if r.perr != nil {
			l.addCUEErrors(firstParseError(r.perr), "")
			continue
		}
		l.files = append(l.files, r.f)
	}
	slog.Debug("gantry: parsed configuration", "dir", l.dir, "files", len(l.files))
	return nil
}

// firstParseError keeps the first syntax error of a file: the parser
// goes on after an error, and what it reports next is mostly a
// consequence of it (a missing '}' at the end of the file after a stray
// comma).
func firstParseError(err error) []cueerrors.Error {
	errs := cueerrors.Errors(err)
	if len(errs) <= 1 {
		return errs
	}
	first := errs[0]
	for _, e := range errs[1:] {
		if p, q := e.Position(), first.Position(); p.IsValid() && (!q.IsValid() || p.Offset() < q.Offset()) {
			first = e
		}
	}
	return []cueerrors.Error{first}
}

// packageName finds the one package of the configuration. Files without a
// package clause or with another package name are errors at their first
// line.
func (l *loader) packageName() (string, bool) {
	l.dropImportedPackages()
	counts := map[string]int{}
	for _, f := range l.files {
		if n := f.PackageName(); n != "" {
			counts[n]++
		}
	}
	pkg := ""
	for n, c := range counts {
		if c > counts[pkg] || (c == counts[pkg] && n < pkg) {
			pkg = n
		}
	}
	ok := true
	for _, f := range l.files {
		n := f.PackageName()
		switch {
		case n == "":
			l.diags = append(l.diags, Diagnostic{File: f.Filename, Line: 1, Column: 1, Severity: SeverityError,
				Message: fmt.Sprintf("file has no package clause; gantry reads one CUE package (add: package %s)", loadOr(pkg, "config"))})
			ok = false
		case n != pkg:
			l.errorAt(f.Pos(), f.Filename, "", fmt.Sprintf("package %s differs from the configuration's package %s; all files must be in one package", n, pkg))
			ok = false
		}
	}
	return pkg, ok
}

// dropImportedPackages leaves out the files of packages of the user's CUE
// module that the configuration imports (a library in lib/, say): they are
// loaded as imports, not as part of the configuration.
func (l *loader) dropImportedPackages() {
	module := l.modulePath()
	if module == "" {
		return
	}
	imported := map[string]bool{}
	for _, f := range l.files {
		for spec := range f.ImportSpecs() {
			if p, err := strconv.Unquote(spec.Path.Value); err == nil {
				path, _, _ := strings.Cut(p, ":")
				imported[path] = true
			}
		}
	}
	if len(imported) == 0 {
		return
	}
	l.files = slices.DeleteFunc(l.files, func(f *ast.File) bool {
		rel, err := filepath.Rel(l.dir, filepath.Dir(l.absPath[f.Filename]))
		if err != nil || rel == "." {
			return false
		}
		return imported[module+"/"+filepath.ToSlash(rel)]
	})
}

// modulePath is the path of the CUE module at the configuration's root
// (cue.mod/module.cue), without its major version; "" without a module.
func (l *loader) modulePath() string {
	src, err := l.tree.ReadFile(filepath.Join(l.dir, "cue.mod", "module.cue"))
	if err != nil {
		return ""
	}
	f, err := parser.ParseFile("module.cue", src)
	if err != nil {
		return ""
	}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.Field); ok {
			if name, ok := staticLabel(fd.Label); ok && name == "module" {
				if lit, ok := fd.Value.(*ast.BasicLit); ok {
					if m, err := strconv.Unquote(lit.Value); err == nil {
						m, _, _ = strings.Cut(m, "@")
						return m
					}
				}
			}
		}
	}
	return ""
}

func loadOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// evaluate builds the package with the schema, evaluates it and checks it.
// It returns the effective configuration (possibly partial when there are
// errors).
func (l *loader) evaluate() *config.Project {
	if len(l.files) == 0 {
		if len(l.diags) == 0 {
			l.errorAt(token.NoPos, l.displayName(l.dir), "", "no .cue files found")
		}
		return nil
	}
	pkg, ok := l.packageName()
	if !ok || l.diags.HasErrors() {
		return nil
	}
	l.pkg = pkg
	// The declaration index only reads the syntax trees; it is built on
	// the other core while CUE evaluates (which is single-threaded).
	l.indexed = make(chan *declIndex, 1)
	go func() {
		t0 := time.Now()
		attrs := checkAttributes(l.files, l.sources)
		ix := buildDeclIndex(l.files)
		ix.attrs = attrs
		slog.Debug("gantry: indexed declarations", "took", time.Since(t0))
		l.indexed <- ix
	}()
	defer l.waitIndex()

	l.schemaSrc = []byte(schema.ForPackage(pkg))
	schemaFile, err := parser.ParseFile(schema.Filename, l.schemaSrc)
	if err != nil {
		// The embedded schema always parses; this is a broken build.
		l.errorAt(token.NoPos, schema.Filename, "", "internal error: schema does not parse: "+err.Error())
		return nil
	}

	// The files are added as AddSyntax would, without its second pass
	// resolving identifiers: the parser resolved them (in parallel), and
	// packageName checked that all files are one package.
	inst := build.NewContext().NewInstance(l.dir, nil)
	inst.PkgName = pkg
	inst.Files = append(slices.Clip(l.files), schemaFile)
	l.schemaFile = schemaFile
	l.resolveImports(inst)
	if l.diags.HasErrors() {
		return nil
	}

	t := time.Now()
	ctx := cuecontext.New(cuecontext.CUE_DEBUG("sortfields"))
	root := ctx.BuildInstance(inst)
	slog.Debug("gantry: built", "took", time.Since(t))
	l.waitIndex()
	if err := root.Err(); err != nil {
		l.addCUEError(err, "")
		return nil
	}
	l.root = root
	return l.check(root)
}

// resolveImports loads the non-builtin packages the files import (packages
// of the user's own CUE module or its dependencies) with cue/load; builtin
// packages ("strings", "list", ...) need nothing.
func (l *loader) resolveImports(inst *build.Instance) {
	var paths []string
	pos := map[string]token.Pos{}
	for _, f := range l.files {
		for spec := range f.ImportSpecs() {
			p, err := strconv.Unquote(spec.Path.Value)
			if err != nil {
				continue
			}
			first, _, _ := strings.Cut(p, "/")
			if !strings.Contains(first, ".") {
				continue // builtin
			}
			if _, seen := pos[p]; !seen {
				paths = append(paths, p)
				pos[p] = spec.Pos()
			}
		}
	}
	if len(paths) == 0 {
		return
	}
	slices.Sort(paths)
	insts := load.Instances(paths, l.importConfig())
	for i, imp := range insts {
		if imp.Err != nil {
			l.errorAt(pos[paths[i]], "", "", fmt.Sprintf("cannot load imported package %q: %v", paths[i], firstLine(imp.Err.Error())))
			continue
		}
		inst.Imports = append(inst.Imports, imp)
	}
}

func firstLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}

// check runs every check on the evaluated root and decodes the effective
// configuration.
func (l *loader) check(root cue.Value) *config.Project {
	c := newChecker(l, root)
	l.checker = c
	return c.run()
}

// errorAt records an error at pos, or at file (line 0) when pos is unknown.
func (l *loader) errorAt(pos token.Pos, file, path, msg string) {
	l.add(pos, file, path, "", msg, SeverityError)
}

// add records a diagnostic. A position in the schema is never reported as
// such; the callers resolve user positions first.
func (l *loader) add(pos token.Pos, file, path, env, msg string, sev Severity) {
	d := Diagnostic{File: file, Path: path, Environment: env, Message: msg, Severity: sev}
	if pos.IsValid() {
		d.File = l.displayName(pos.Filename())
		d.Line = pos.Line()
		d.Column = pos.Column()
	}
	l.mu.Lock()
	l.diags = append(l.diags, d)
	l.mu.Unlock()
}

// addCUEError converts a CUE error (possibly a list) into diagnostics at
// user positions.
func (l *loader) addCUEError(err error, env string) {
	l.addCUEErrors(cueerrors.Errors(err), env)
}

// waitIndex waits for the declaration index, if it is being built.
func (l *loader) waitIndex() {
	if l.index == nil && l.indexed != nil {
		l.index = <-l.indexed
		l.indexed = nil
		for _, a := range l.index.attrs {
			l.add(a.pos, "", a.path, "", a.msg, SeverityError)
		}
	}
}
