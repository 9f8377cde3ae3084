//! The models of the seed walkthroughs, shared by the example programs.
//!
//! `microblog` is the Flask Mega-Tutorial's User/Post pair (seed 000); `students` is seed 004's CRUD
//! app model.

#![forbid(unsafe_code)]

pub mod microblog;
pub mod students;
