//! `canvass admin users list`: every account, as a table for people or JSON for scripts.

use std::fmt::Write as _;

use serde::Serialize;

use super::{UsersError, open, say};
use crate::cli::UsersListArgs;
use crate::server::store::users::Account;

/// One account in `--json`: snake_case, as every JSON canvass prints.
#[derive(Serialize)]
struct AccountJson<'a> {
    id: i64,
    email: &'a str,
    created_at: &'a str,
    surveys: u64,
    disabled: bool,
}

pub(super) fn run<A>(args: &UsersListArgs) -> Result<(), UsersError<A>> {
    let mut installation = open(&args.admin)?;
    let accounts = installation
        .users
        .list_accounts()
        .map_err(|error| installation.failed(error))?;
    let text = if args.json {
        json(&accounts)
    } else {
        table(&accounts)
    };
    say(&text)
}

fn json(accounts: &[Account]) -> String {
    let rows: Vec<AccountJson<'_>> = accounts
        .iter()
        .map(|account| AccountJson {
            id: account.user.id.0,
            email: account.user.email.as_str(),
            created_at: &account.user.created_at,
            surveys: account.surveys,
            disabled: account.user.disabled,
        })
        .collect();
    // Plain data with string keys: serialising it cannot fail.
    let mut text = serde_json::to_string_pretty(&rows).unwrap_or_default();
    text.push('\n');
    text
}

/// Numbers right-aligned, the e-mail last so no other column depends on how wide its
/// characters are on a terminal.
fn table(accounts: &[Account]) -> String {
    if accounts.is_empty() {
        return "no accounts yet\n".to_owned();
    }
    let ids: Vec<String> = accounts.iter().map(|a| a.user.id.0.to_string()).collect();
    let id_width = ids
        .iter()
        .map(String::len)
        .max()
        .unwrap_or(0)
        .max("id".len());
    let created_width = accounts
        .iter()
        .map(|a| a.user.created_at.chars().count())
        .max()
        .unwrap_or(0)
        .max("created".len());
    let mut text = format!(
        "{:>id_width$}  {:<created_width$}  {:>7}  {:<8}  email\n",
        "id", "created", "surveys", "disabled"
    );
    for (account, id) in accounts.iter().zip(&ids) {
        let disabled = if account.user.disabled { "yes" } else { "no" };
        let _ = writeln!(
            text,
            "{id:>id_width$}  {:<created_width$}  {:>7}  {disabled:<8}  {}",
            account.user.created_at,
            account.surveys,
            account.user.email.visible(),
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Email, User, UserId};

    fn account(id: i64, email: &str, surveys: u64, disabled: bool) -> Account {
        Account {
            user: User {
                id: UserId(id),
                email: Email::from_trusted(email.to_owned()),
                created_at: "2026-12-02 10:00:00".to_owned(),
                token_generation: 0,
                disabled,
            },
            surveys,
        }
    }

    #[test]
    fn the_table_lines_up_its_columns_with_the_email_last() {
        let accounts = [
            account(7, "ann@example.com", 2, false),
            account(12, "bob@example.com", 0, true),
        ];
        assert_eq!(
            table(&accounts),
            "id  created              surveys  disabled  email\n\
             \x207  2026-12-02 10:00:00        2  no        ann@example.com\n\
             12  2026-12-02 10:00:00        0  yes       bob@example.com\n"
        );
        assert_eq!(table(&[]), "no accounts yet\n");
    }

    #[test]
    fn json_is_an_array_of_accounts() {
        let text = json(&[account(7, "ann@example.com", 2, true)]);
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            parsed,
            serde_json::json!([{
                "id": 7, "email": "ann@example.com", "created_at": "2026-12-02 10:00:00",
                "surveys": 2, "disabled": true
            }])
        );
    }
}
