//! Domain types stored as text: how they go into and come out of a column on both backends
//! (and through the connection type over both).

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::pg::Pg;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::Text;
use diesel::sqlite::Sqlite;

use crate::db::MultiBackend;
use crate::domain::{AccountCode, Direction, EntryId, ReceiptId};

/// `ToSql`/`FromSql` over `Text` for SQLite, PostgreSQL and the connection type over both, from
/// a function to the text and one from it.
macro_rules! stored_as_text {
    ($ty:ty, $to_text:expr, $from_text:expr) => {
        impl ToSql<Text, Sqlite> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
                let text: &'b str = $to_text(self);
                <str as ToSql<Text, Sqlite>>::to_sql(text, out)
            }
        }

        impl ToSql<Text, Pg> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                let text: &'b str = $to_text(self);
                <str as ToSql<Text, Pg>>::to_sql(text, out)
            }
        }

        impl ToSql<Text, MultiBackend> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
                out.set_value((Text, self));
                Ok(IsNull::No)
            }
        }

        impl FromSql<Text, Sqlite> for $ty {
            fn from_sql(bytes: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                $from_text(<String as FromSql<Text, Sqlite>>::from_sql(bytes)?)
            }
        }

        impl FromSql<Text, Pg> for $ty {
            fn from_sql(bytes: <Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                $from_text(<String as FromSql<Text, Pg>>::from_sql(bytes)?)
            }
        }

        impl FromSql<Text, MultiBackend> for $ty {
            fn from_sql(bytes: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                bytes.from_sql::<Self, Text>()
            }
        }
    };
}

fn direction_from_text(text: String) -> deserialize::Result<Direction> {
    Direction::parse(&text).ok_or_else(|| format!("`{text}` is not a direction").into())
}

stored_as_text!(Direction, |d: &Direction| d.as_str(), direction_from_text);

stored_as_text!(EntryId, EntryId::as_str, |text: String| Ok(EntryId::from(text)));
stored_as_text!(ReceiptId, ReceiptId::as_str, |text: String| Ok(ReceiptId::from(text)));
stored_as_text!(AccountCode, AccountCode::as_str, |text: String| Ok(
    AccountCode::from_stored(text)
));
