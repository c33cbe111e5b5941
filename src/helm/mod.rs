//! A Helm renderer: Go `text/template` + sprig + Helm's builtins, values layering, subcharts.
//!
//! Layout: [`value`] (Go's dynamic values as Helm sees them), [`template`] (lexer, parser,
//! executor), [`funcs`] (sprig and Helm's function map), then the chart layer ([`chart`],
//! [`values`], [`render`]) that loads charts, layers values and renders every template the way
//! `helm template` does.

pub mod chart;
pub mod command;
pub mod funcs;
pub mod lookups;
pub mod objects;
pub mod render;
pub mod scan;
pub mod template;
pub mod value;
pub mod values;

#[cfg(test)]
mod fidelity_tests;
