//! Go `text/template`: lexer, parser and executor with Go's semantics.
