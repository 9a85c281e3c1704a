// Package scaffold renders the files gantry init writes: a new
// configuration repository (project, one environment, one service, a
// .gitignore for plan files, a pre-commit config) and the GitHub Actions
// workflows of gantry init ci. The files are text/template templates
// embedded from templates/; Write puts them on disk all or nothing, never
// over an existing file.
package scaffold
