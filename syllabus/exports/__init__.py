"""Reading lists out (BibTeX, RIS, CSV of a week, term, tag, category, presenter or search) and in
(a BibTeX or CSV list into a term's sign-up pool or a week's rows)."""
