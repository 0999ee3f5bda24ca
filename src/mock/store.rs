//! The emulated account's storages.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use serde_json::{Map, Value};

use super::clock;
use super::validate::Fields;
use crate::secrets::REDACTED;

/// The storages, by id; ids count up from 1 and are never reused until a reset.
#[derive(Debug)]
pub(super) struct Store {
    records: BTreeMap<i64, Record>,
    /// The id holding each name, so that a create or rename finds a taken
    /// name without reading every storage.
    names: HashMap<String, i64>,
    last_id: i64,
}

#[derive(Debug)]
struct Record {
    fields: Fields,
    created_at: String,
}

/// Another storage holds the name already (the name).
#[derive(Debug)]
pub(super) struct NameTaken(pub String);

impl Store {
    /// A store holding `seeds`, with ids from 1 in their order.
    ///
    /// The seeds were checked when the server was built, names included.
    pub fn seeded(seeds: &[Fields]) -> Store {
        let mut store = Store {
            records: BTreeMap::new(),
            names: HashMap::new(),
            last_id: 0,
        };
        for seed in seeds {
            store.insert(seed.clone());
        }
        store
    }

    /// Every storage as the API lists it (`StorageOut_Pydantic`), oldest
    /// first: no credentials.
    pub fn list(&self) -> Vec<Shown> {
        self.records
            .iter()
            .map(|(id, r)| r.render(*id, Detail::Listed))
            .collect()
    }

    /// Every storage as the admin API shows it: as listed, with each
    /// credential's value replaced by a redaction marker.
    pub fn list_redacted(&self) -> Vec<Value> {
        self.records
            .iter()
            .map(|(id, r)| {
                let mut shown =
                    serde_json::to_value(r.render(*id, Detail::Listed)).unwrap_or_default();
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

    /// The storage as get, create and patch answer it (`StorageOutDetailed_Pydantic`).
    pub fn get(&self, id: i64) -> Option<Shown> {
        self.records
            .get(&id)
            .map(|r| r.render(id, Detail::Detailed))
    }

    pub fn fields(&self, id: i64) -> Option<&Fields> {
        self.records.get(&id).map(|r| &r.fields)
    }

    pub fn create(&mut self, fields: Fields) -> Result<Shown, NameTaken> {
        if self.names.contains_key(&fields.name) {
            return Err(NameTaken(fields.name));
        }
        let id = self.insert(fields);
        Ok(self.records[&id].render(id, Detail::Detailed))
    }

    /// Replaces the fields of storage `id`, which must exist.
    pub fn update(&mut self, id: i64, fields: Fields) -> Result<Shown, NameTaken> {
        if self
            .names
            .get(&fields.name)
            .is_some_and(|holder| *holder != id)
        {
            return Err(NameTaken(fields.name));
        }
        let record = self
            .records
            .get_mut(&id)
            .expect("update is only called for a storage that exists");
        if record.fields.name != fields.name {
            self.names.remove(&record.fields.name);
            self.names.insert(fields.name.clone(), id);
        }
        record.fields = fields;
        Ok(record.render(id, Detail::Detailed))
    }

    pub fn delete(&mut self, id: i64) -> bool {
        match self.records.remove(&id) {
            Some(record) => {
                self.names.remove(&record.fields.name);
                true
            }
            None => false,
        }
    }

    fn insert(&mut self, fields: Fields) -> i64 {
        self.last_id += 1;
        self.names.insert(fields.name.clone(), self.last_id);
        let record = Record {
            fields,
            created_at: clock::now_rfc3339(),
        };
        self.records.insert(self.last_id, record);
        self.last_id
    }
}

/// Which output model an answer follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Detail {
    /// `StorageOut_Pydantic`: no credentials.
    Listed,
    /// `StorageOutDetailed_Pydantic`: credentials as `CredentialsOut`, the
    /// access key alone.
    Detailed,
}

impl Record {
    /// The storage as answered; the secret access key is never shown.
    fn render(&self, id: i64, detail: Detail) -> Shown {
        let mut parameters = self.fields.parameters.clone();
        let credentials = parameters.remove("credentials");
        if let (Detail::Detailed, Some(Value::Object(mut credentials))) = (detail, credentials) {
            credentials.retain(|key, _| key == "access_key");
            parameters.insert("credentials".to_owned(), Value::Object(credentials));
        }
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
