"""Everything a sandboxed worker may see: bound into bubblewrap file by file (an allow-list in
`convkit.sandbox.backends`), and nothing here imports the judge's side."""
