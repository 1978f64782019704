//! `with!`: parse (tokens → [`parse::WithInput`]), rewrite (the body's
//! control flow → stored sites), expand (the guard and the dispatch).

pub mod expand;
pub mod parse;
pub mod rewrite;
