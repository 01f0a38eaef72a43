"""Students sign up for a term: a pool of papers, open slots, claims or preferences, an assignment."""
