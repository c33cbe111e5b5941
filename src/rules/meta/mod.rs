//! Pack `meta`: findings about secretgate's own inputs (suppressions and baselines).

pub mod unused_suppression;
