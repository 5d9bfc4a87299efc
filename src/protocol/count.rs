//! A count on the wire: a JSON number that is a whole, non-negative number. JSON Schema's
//! `integer` includes `1.0`, and a client that sends it means 1; serde's `u64` would refuse it.

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Count(pub u64);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Whole;

        impl Visitor<'_> for Whole {
            type Value = Count;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a whole number, 0 or more")
            }

            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Count, E> {
                Ok(Count(n))
            }

            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Count, E> {
                u64::try_from(n)
                    .map(Count)
                    .map_err(|_| E::invalid_value(de::Unexpected::Signed(n), &self))
            }

            #[expect(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                clippy::float_cmp,
                reason = "only a whole number in range gets through, and it converts exactly"
            )]
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<Count, E> {
                // 2^64 is exact as an f64; anything whole below it fits a u64.
                if (0.0..18_446_744_073_709_551_616.0).contains(&n) && n.trunc() == n {
                    Ok(Count(n as u64))
                } else {
                    Err(E::invalid_value(de::Unexpected::Float(n), &self))
                }
            }
        }

        deserializer.deserialize_any(Whole)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_are_counts_whatever_their_spelling() {
        let read = |json: &str| serde_json::from_str::<Count>(json).map(|c| c.0);
        assert_eq!(read("3").unwrap(), 3);
        assert_eq!(read("3.0").unwrap(), 3);
        assert_eq!(read("1e2").unwrap(), 100);
        for bad in ["-1", "1.5", "\"3\"", "null", "1e30"] {
            let error = read(bad).unwrap_err().to_string();
            // This is what a 422 tells the client it should have sent.
            assert!(
                error.contains("a whole number, 0 or more"),
                "{bad}: {error}"
            );
        }
    }
}
