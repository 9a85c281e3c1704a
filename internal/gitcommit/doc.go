// Package gitcommit commits a change gantry made to configuration files
// (gantry image set --commit, gantry promote --commit) through go-git,
// with no git binary: it checks first that the commit would hold that
// change and nothing else (the files are unchanged since HEAD, nothing
// else is staged), and takes the author from the environment or git's
// configuration as git does.
package gitcommit
