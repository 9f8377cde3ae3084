//! `#[derive(Model)]`.
use proc_macro::TokenStream;

/// Derives `orm_core::Model`.
#[proc_macro_derive(Model, attributes(orm))]
pub fn derive_model(_input: TokenStream) -> TokenStream {
    TokenStream::new()
}
