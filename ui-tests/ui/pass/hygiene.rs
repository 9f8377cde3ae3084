//! The generated code relies on none of the user's imports and survives shadowed prelude names.
#![deny(warnings)]

mod shadowing {
    #![allow(dead_code, non_camel_case_types)]

    // Every name below shadows something the generated code could have used unqualified.
    type Result<T> = ::core::result::Result<T, ()>;
    struct Value;
    struct Vec;
    struct String;
    struct Some;
    struct None;
    struct Ok;
    struct Err;
    struct _orm;
    trait Into {}
    trait Default {}
    trait Iterator {}
    mod core {}
    mod std {}

    #[derive(orm_core::Model, Debug)]
    pub struct Tag {
        #[orm(primary_key)]
        pub id: Option<i64>,
        #[orm(length = 30, unique)]
        pub name: ::std::string::String,
        #[orm(skip)]
        pub cache: ::std::vec::Vec<u8>,
    }

    #[derive(orm_core::Model, Debug)]
    struct TagAlias {
        #[orm(primary_key, autoincrement = false)]
        id: i32,
        #[orm(foreign_key = Tag, on_delete = cascade)]
        tag_id: i64,
    }
}

fn main() {
    use orm_core::Model;
    let tag = shadowing::Tag::new("rust");
    assert_eq!(tag.id, None);
    assert_eq!(shadowing::Tag::name.name(), "name");
    assert_eq!(<shadowing::Tag as Model>::table().name, "tag");
}
