package source

// TextPaths returns the paths where d decoded a text, sorted.
func TextPaths(d *Decoder) []string { return d.textPaths() }
