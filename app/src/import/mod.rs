//! Import customers from CSV or Excel (issue #17): the file is read row by row
//! (`read`), its columns matched to customer fields by their headers (`mapping`), each row
//! read the way people write it (`convert`) and then checked by the Add modal's validator.

pub mod model;

#[cfg(feature = "ssr")]
pub mod convert;
#[cfg(feature = "ssr")]
pub mod mapping;
#[cfg(feature = "ssr")]
pub mod read;
