//! HCL (Vault/OpenBao server configs, ACL policies, Terraform) through `hcl-edit`, which keeps the
//! byte span of every block, attribute and expression it parses. `hcl-rs` is built on the same
//! parser but converts into a span-less tree, so it cannot point at the offending attribute.

use hcl_edit::expr::Expression;
use hcl_edit::structure::{Attribute, Block, Body};

use super::Span;

/// A parsed HCL body and the offset of its text within the file (non-zero for a body parsed from a
/// heredoc inside another file, such as a Terraform `vault_policy`).
pub struct Parsed {
    pub body: Body,
    pub base: usize,
}

/// Why a text is not valid HCL, at a byte offset of the whole file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HclError {
    pub offset: usize,
    /// The parser's expectation only; never the offending source line, which may hold a secret.
    pub message: String,
}

/// Parses `text`, which starts at byte `base` of its file.
pub fn parse(text: &str, base: usize) -> Result<Parsed, HclError> {
    match hcl_edit::parser::parse_body(text) {
        Ok(body) => Ok(Parsed { body, base }),
        Err(e) => {
            let message = match e.message() {
                "" => "invalid HCL".to_string(),
                m => m.to_string(),
            };
            Err(HclError { offset: base + e.location().offset(), message })
        }
    }
}

impl Parsed {
    /// The file span of anything the parser produced.
    pub fn span(&self, item: &impl hcl_edit::Span) -> Option<Span> {
        item.span().map(|r| Span::new(self.base + r.start, self.base + r.end))
    }

    /// Span of an attribute from its key to the end of its value.
    pub fn attr_span(&self, attr: &Attribute) -> Option<Span> {
        let key = self.span(&attr.key)?;
        let end = self.span(&attr.value).map_or(key.end, |v| v.end);
        Some(Span::new(key.start, end))
    }

    /// Top-level blocks named `ident`.
    pub fn blocks<'a>(&'a self, ident: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.body.get_blocks(ident)
    }
}

/// The `i`-th label of a block (`resource "vault_policy" "x"` → 0: `vault_policy`, 1: `x`).
pub fn label(block: &Block, i: usize) -> Option<&str> {
    block.labels.get(i).map(|l| l.as_str())
}

/// A constant scalar, as far as a linter can tell without evaluating anything.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal<'a> {
    Str(&'a str),
    Number(f64),
    Bool(bool),
}

impl Literal<'_> {
    /// Truthiness the way Vault reads flags such as `tls_disable`: `true`, `1`, `"true"`, `"1"`.
    pub fn is_truthy(&self) -> bool {
        match self {
            Literal::Bool(b) => *b,
            Literal::Number(n) => *n != 0.0,
            Literal::Str(s) => matches!(s.trim().to_ascii_lowercase().as_str(), "true" | "1" | "t" | "yes"),
        }
    }
}

/// The constant value of `expr`, if it is one (templates, variables and calls are not).
pub fn literal(expr: &Expression) -> Option<Literal<'_>> {
    match expr {
        Expression::String(s) => Some(Literal::Str(s.value().as_str())),
        Expression::Number(n) => n.value().as_f64().map(Literal::Number),
        Expression::Bool(b) => Some(Literal::Bool(*b.value())),
        Expression::Parenthesis(p) => literal(p.inner()),
        _ => None,
    }
}

/// The string elements of an array expression, with their expressions (for spans).
pub fn string_items(expr: &Expression) -> Vec<(&str, &Expression)> {
    let Expression::Array(items) = expr else { return Vec::new() };
    items
        .iter()
        .filter_map(|e| match e {
            Expression::String(s) => Some((s.value().as_str(), e)),
            _ => None,
        })
        .collect()
}

/// Where a parse error should point: errors at the end of input point at the last real character
/// (as the YAML loader does), so the code frame shows the unfinished line.
pub fn error_span(file_text: &str, offset: usize) -> Span {
    let trimmed = file_text.trim_end();
    match trimmed.char_indices().next_back() {
        Some((last, c)) if offset >= trimmed.len() => Span::new(last, last + c.len_utf8()),
        _ => {
            let at = offset.min(file_text.len());
            Span::new(at, at)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_point_at_keys_values_and_labels() {
        let text = "listener \"tcp\" {\n  address     = \"0.0.0.0:8200\"\n  tls_disable = 1\n}\n";
        let p = parse(text, 0).unwrap();
        let listener = p.blocks("listener").next().unwrap();
        assert_eq!(label(listener, 0), Some("tcp"));
        let attr = listener.body.get_attribute("tls_disable").unwrap();
        let span = p.attr_span(attr).unwrap();
        assert_eq!(&text[span.range()], "tls_disable = 1");
        assert_eq!(literal(&attr.value), Some(Literal::Number(1.0)));
        let label_span = p.span(&listener.labels[0]).unwrap();
        assert_eq!(&text[label_span.range()], "\"tcp\"");
    }

    #[test]
    fn errors_carry_an_offset_and_no_source_text() {
        let text = "path \"secret/*\" {\n  capabilities = [\"read\"\n}\n";
        let e = parse(text, 10).err().unwrap();
        assert!(e.offset >= 10);
        assert!(!e.message.contains("secret/*"));
    }
}
