package suggest

import "strings"

// Closest returns the candidate closest to name when it is close enough to
// be a likely misspelling (edit distance at most a third of the name, or a
// case-only difference), else "".
func Closest(name string, candidates []string) string {
	best, bestD := "", len(name)/3+1
	for _, c := range candidates {
		if strings.EqualFold(c, name) && c != name {
			return c
		}
		if d := EditDistance(name, c); d < bestD || (d == bestD && best != "" && c < best) {
			best, bestD = c, d
		}
	}
	if best == "" && len(name) >= 5 {
		// "intervall" for "intervalSeconds": a long shared prefix.
		for _, c := range candidates {
			if n := commonPrefix(strings.ToLower(name), strings.ToLower(c)); n >= len(name)-2 && n >= 4 {
				return c
			}
		}
	}
	if best == name {
		return ""
	}
	return best
}

// EditDistance is the optimal string alignment distance between a and b:
// insertions, deletions, substitutions and transpositions of neighbours
// ("prot" is one edit from "port").
func EditDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}
