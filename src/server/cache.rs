//! Finished JSON for the answers that are read far more often than anything is written (one
//! survey, the seed's survey list), kept until the store's next write. Building a survey
//! costs three queries and a serialisation; serving a cached one costs a map lookup.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::domain::SurveyId;

/// Past this many entries the cache starts over, so it cannot grow without bound.
const MAX_ENTRIES: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CacheKey {
    Survey(SurveyId),
    AllSurveys,
}

/// The generation an answer was built at, and its bytes.
type Entry = (u64, Arc<Vec<u8>>);

#[derive(Default)]
pub struct ReplyCache {
    entries: Mutex<HashMap<CacheKey, Entry>>,
}

impl ReplyCache {
    /// The bytes cached for `key` at `generation`, or those `build` makes (then cached).
    ///
    /// `generation` must be read from the store before `build` reads the data: a write that
    /// lands in between moves the generation on, so the entry is never served stale.
    pub fn get_or_build<E>(
        &self,
        key: CacheKey,
        generation: u64,
        build: impl FnOnce() -> Result<Vec<u8>, E>,
    ) -> Result<Arc<Vec<u8>>, E> {
        if let Some((at, bytes)) = self.lock().get(&key)
            && *at == generation
        {
            return Ok(Arc::clone(bytes));
        }
        let bytes = Arc::new(build()?);
        let mut entries = self.lock();
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(key, (generation, Arc::clone(&bytes)));
        Ok(bytes)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<CacheKey, Entry>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_is_served_only_at_the_generation_it_was_built_for() {
        let cache = ReplyCache::default();
        let key = CacheKey::Survey(SurveyId(1));
        let built = |text: &str| {
            let text = text.as_bytes().to_vec();
            move || Ok::<_, ()>(text)
        };
        assert_eq!(
            *cache.get_or_build(key, 7, built("first")).unwrap(),
            b"first"
        );
        assert_eq!(
            *cache.get_or_build(key, 7, built("second")).unwrap(),
            b"first"
        );
        assert_eq!(
            *cache.get_or_build(key, 8, built("third")).unwrap(),
            b"third"
        );
        let other = CacheKey::AllSurveys;
        assert_eq!(
            *cache.get_or_build(other, 8, built("list")).unwrap(),
            b"list"
        );
    }

    #[test]
    fn a_failed_build_caches_nothing() {
        let cache = ReplyCache::default();
        let key = CacheKey::AllSurveys;
        assert!(
            cache
                .get_or_build(key, 1, || Err::<Vec<u8>, _>("db down"))
                .is_err()
        );
        assert_eq!(
            *cache
                .get_or_build(key, 1, || Ok::<_, ()>(b"ok".to_vec()))
                .unwrap(),
            b"ok"
        );
    }
}
