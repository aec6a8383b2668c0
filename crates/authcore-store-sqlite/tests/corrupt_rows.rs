//! Whatever a row's body holds (any text, a JSON value of the wrong shape, a truncated
//! record), reading it never panics: the async contract answers a `Corrupt` error and the
//! synchronous store answers "no record".

mod common;

use authcore_hyper::{ProviderStore, StoreErrorKind};
use authcore_server::model::{GrantId, TokenKind};
use authcore_server::{Answer, Need, Write};
use authcore_store_sqlite::SqliteStore;
use common::{NOW, TempDir, code, device_code, grant, h, interaction, pushed, token};
use proptest::prelude::*;
use rusqlite::Connection;

/// A body of any text: arbitrary strings, JSON of other shapes, and cuts of a real record.
fn bodies() -> impl Strategy<Value = String> {
    let real = serde_json::to_string(&token("t", TokenKind::Refresh, "g", None)).unwrap();
    let cut = real.len();
    prop_oneof![
        any::<String>(),
        Just("null".to_owned()),
        Just("[]".to_owned()),
        Just("{}".to_owned()),
        (0..cut).prop_map(move |n| real[..n].to_owned()),
        prop::collection::vec(("[a-z_]{1,12}", any::<i64>()), 0..6).prop_map(|members| {
            serde_json::Value::Object(
                members
                    .into_iter()
                    .map(|(k, v)| (k, serde_json::Value::from(v)))
                    .collect(),
            )
            .to_string()
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn a_row_with_any_body_reads_as_corrupt_or_as_a_record_never_a_panic(body in bodies()) {
        let dir = TempDir::new("corrupt-rows");
        let store = SqliteStore::open(&dir.db()).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(store.apply(
            vec![
                Write::InsertGrant(grant("g", NOW)),
                Write::InsertCode(code("c", "g", NOW)),
                Write::InsertToken(token("t", TokenKind::Refresh, "g", None)),
                Write::InsertDeviceCode(device_code("d", NOW)),
                Write::InsertPushedRequest(pushed("p", NOW)),
                Write::InsertInteraction(interaction("x", NOW)),
            ],
            NOW,
        ))
        .unwrap();
        let raw = Connection::open(dir.db()).unwrap();
        for table in ["grants", "codes", "tokens", "device_codes", "pushed_requests", "interactions"] {
            raw.execute(&format!("UPDATE {table} SET body = ?1"), [&body]).unwrap();
        }
        for need in [
            Need::Grant(GrantId("g".into())),
            Need::Code(h("c")),
            Need::RefreshToken(h("t")),
            Need::DeviceCode(h("d")),
            Need::PushedRequest(h("p")),
            Need::Interaction(h("x")),
        ] {
            // The synchronous store has no error channel: a record it cannot read is absent.
            let sync_answer = authcore_server::Store::answer(&store, &need, NOW);
            match rt.block_on(ProviderStore::answer(&store, need.clone(), NOW)) {
                Ok(answer) => prop_assert_eq!(sync_answer, answer),
                Err(e) => {
                    prop_assert_eq!(e.kind(), StoreErrorKind::Corrupt);
                    prop_assert!(
                        matches!(
                            sync_answer,
                            Answer::Grant(None)
                                | Answer::Code(None)
                                | Answer::Token(None)
                                | Answer::DeviceCode(None)
                                | Answer::PushedRequest(None)
                                | Answer::Interaction(None)
                        ),
                        "{:?}",
                        sync_answer
                    );
                }
            }
        }
        // A conditional write tests its column, and writes the body with json_set, which
        // fails (closed, as a conflict) on text that is not JSON: either way the code is
        // consumed at most once.
        let consume = Write::ConsumeCodeIfUnused(h("c"));
        let _first = authcore_server::Store::apply(&store, &consume, NOW);
        prop_assert_eq!(
            authcore_server::Store::apply(&store, &consume, NOW),
            authcore_server::WriteOutcome::Conflict
        );
    }
}
