//! CLI behaviour as data: `testdata/cli/<case>.toml` (args, exit code) with `.stdout`/`.stderr`.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

#[test]
fn cli() {
    trycmd::TestCases::new().case("testdata/cli/*.toml");
}
