//! The emulated account's storages.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

use super::clock;
use super::validate::Fields;
use crate::secrets::REDACTED;

/// The storages, by id; ids count up from 1 and are never reused until a reset.
#[derive(Debug)]
pub(super) struct Store {
    records: BTreeMap<i64, Record>,
    last_id: i64,
}

#[derive(Debug)]
struct Record {
    fields: Fields,
    created_at: String,
}

/// Another storage holds the name already.
#[derive(Debug)]
pub(super) struct NameTaken;

impl Store {
    /// A store holding `seeds`, with ids from 1 in their order.
    ///
    /// The seeds were checked when the server was built, names included.
    pub fn seeded(seeds: &[Fields]) -> Store {
        let mut store = Store {
            records: BTreeMap::new(),
            last_id: 0,
        };
        for seed in seeds {
            store.insert(seed.clone());
        }
        store
    }

    /// Every storage as the API shows it, oldest first.
    pub fn list(&self) -> Vec<Shown> {
        self.records.iter().map(|(id, r)| r.render(*id)).collect()
    }

    /// Every storage as the admin API shows it: as listed, with each
    /// credential's value replaced by a redaction marker.
    pub fn list_redacted(&self) -> Vec<Value> {
        self.records
            .iter()
            .map(|(id, r)| {
                let mut shown = serde_json::to_value(r.render(*id)).unwrap_or_default();
                if let Some(Value::Object(credentials)) = r.fields.parameters.get("credentials") {
                    let redacted: Map<String, Value> = credentials
                        .keys()
                        .map(|k| (k.clone(), Value::String(REDACTED.to_owned())))
                        .collect();
                    shown["parameters"]["credentials"] = Value::Object(redacted);
                }
                shown
            })
            .collect()
    }

    pub fn get(&self, id: i64) -> Option<Shown> {
        self.records.get(&id).map(|r| r.render(id))
    }

    pub fn fields(&self, id: i64) -> Option<&Fields> {
        self.records.get(&id).map(|r| &r.fields)
    }

    pub fn create(&mut self, fields: Fields) -> Result<Shown, NameTaken> {
        if self.name_taken(&fields.name, None) {
            return Err(NameTaken);
        }
        let id = self.insert(fields);
        Ok(self.records[&id].render(id))
    }

    /// Replaces the fields of storage `id`, which must exist.
    pub fn update(&mut self, id: i64, fields: Fields) -> Result<Shown, NameTaken> {
        if self.name_taken(&fields.name, Some(id)) {
            return Err(NameTaken);
        }
        let record = self
            .records
            .get_mut(&id)
            .expect("update is only called for a storage that exists");
        record.fields = fields;
        Ok(record.render(id))
    }

    pub fn delete(&mut self, id: i64) -> bool {
        self.records.remove(&id).is_some()
    }

    fn insert(&mut self, fields: Fields) -> i64 {
        self.last_id += 1;
        let record = Record {
            fields,
            created_at: clock::now_rfc3339(),
        };
        self.records.insert(self.last_id, record);
        self.last_id
    }

    fn name_taken(&self, name: &str, except: Option<i64>) -> bool {
        self.records
            .iter()
            .any(|(id, r)| r.fields.name == name && Some(*id) != except)
    }
}

impl Record {
    /// The storage as answered: credentials are kept, never shown.
    fn render(&self, id: i64) -> Shown {
        let mut parameters = self.fields.parameters.clone();
        parameters.remove("credentials");
        Shown {
            id,
            name: self.fields.name.clone(),
            storage_type: self.fields.storage_type.clone(),
            parameters,
            created_at: self.created_at.clone(),
        }
    }
}

/// A storage as answered, members in the order the API reference shows
/// them (a `serde_json::Value` would sort them).
#[derive(Debug, Serialize)]
pub(super) struct Shown {
    id: i64,
    name: String,
    #[serde(rename = "type")]
    storage_type: String,
    parameters: Map<String, Value>,
    created_at: String,
}
