//! Finished JSON for the answers that are read far more often than anything is written (one
//! survey, the seed's survey list), kept until the store's next write — or until the clock
//! changes what they say (a survey's status when its `opens_at` or `closes_at` passes). Building a survey
//! costs three queries and a serialisation; serving a cached one costs a map lookup.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use crate::domain::{SurveyId, Timestamp};

/// A build in progress; dropping it lets the waiters look again (they find the answer, or
/// after a failed build, build it themselves).
struct Building<'a> {
    cache: &'a ReplyCache,
    key: CacheKey,
    generation: u64,
}

impl Drop for Building<'_> {
    fn drop(&mut self) {
        let mut entries = self.cache.lock();
        if entries.building.get(&self.key) == Some(&self.generation) {
            entries.building.remove(&self.key);
        }
        drop(entries);
        self.cache.built.notify_all();
    }
}

/// The default bound on what the cache holds, in bytes of finished JSON.
pub const DEFAULT_MAX_BYTES: usize = 64 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CacheKey {
    Survey(SurveyId),
    AllSurveys,
}

/// One cached answer: the generation it was built at, its bytes, and when it was last served
/// (a tick of the cache's own clock), for evicting the least recently used.
struct Entry {
    generation: u64,
    bytes: Arc<Vec<u8>>,
    used: u64,
    /// The moment it goes stale by the clock alone, if any.
    until: Option<Timestamp>,
}

/// An answer just built, and until when it holds however nothing is written (`None`: until
/// the next write).
pub struct Fresh {
    pub bytes: Vec<u8>,
    pub until: Option<Timestamp>,
}

#[derive(Default)]
struct Entries {
    map: HashMap<CacheKey, Entry>,
    bytes: usize,
    clock: u64,
    /// Answers being built now, by key, at the generation they are built for.
    building: HashMap<CacheKey, u64>,
}

/// Bounded by bytes, not entries (issue 13: 1,000 different 450 KB surveys took RSS from 48 to
/// 520 MB under a bound of 4,096 entries). Past the bound the least recently used answers go;
/// an answer larger than the whole bound is served but not kept.
///
/// A missing answer is built once however many ask for it at the same moment (single flight):
/// the others wait for it. Issue 13: 8 readers of a 99 MB listing, each rebuilding it after
/// every write, took the server to 3.2 GB.
pub struct ReplyCache {
    entries: Mutex<Entries>,
    /// Signalled whenever a build ends, so its waiters look again.
    built: Condvar,
    max_bytes: usize,
}

impl Default for ReplyCache {
    fn default() -> Self {
        ReplyCache::new(DEFAULT_MAX_BYTES)
    }
}

impl ReplyCache {
    pub fn new(max_bytes: usize) -> Self {
        ReplyCache {
            entries: Mutex::default(),
            built: Condvar::new(),
            max_bytes,
        }
    }

    /// The bytes cached for `key` at `generation` (and not past their `until`), or those
    /// `build` makes (then cached).
    ///
    /// `generation` must be read from the store before `build` reads the data: a write that
    /// lands in between moves the generation on, so the entry is never served stale.
    pub fn get_or_build<E>(
        &self,
        key: CacheKey,
        generation: u64,
        build: impl FnOnce() -> Result<Fresh, E>,
    ) -> Result<Arc<Vec<u8>>, E> {
        {
            let mut entries = self.lock();
            loop {
                entries.clock += 1;
                let now = entries.clock;
                if let Some(entry) = entries.map.get_mut(&key)
                    && entry.generation == generation
                    && entry.until.is_none_or(|until| Timestamp::now() < until)
                {
                    entry.used = now;
                    return Ok(Arc::clone(&entry.bytes));
                }
                if entries.building.get(&key) != Some(&generation) {
                    break;
                }
                // Someone builds this very answer: wait for it rather than build it again.
                entries = self
                    .built
                    .wait(entries)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            entries.building.insert(key, generation);
        }
        // Cleared however the build ends, a panic included: a waiter must never wait for a
        // build nobody is doing.
        let _building = Building {
            cache: self,
            key,
            generation,
        };
        let fresh = build()?;
        let bytes = Arc::new(fresh.bytes);
        self.keep(&mut self.lock(), key, (generation, fresh.until), &bytes);
        Ok(bytes)
    }

    fn keep(
        &self,
        entries: &mut Entries,
        key: CacheKey,
        (generation, until): (u64, Option<Timestamp>),
        bytes: &Arc<Vec<u8>>,
    ) {
        let size = bytes.len();
        if let Some(old) = entries.map.remove(&key) {
            entries.bytes -= old.bytes.len();
        }
        if size > self.max_bytes {
            return;
        }
        while entries.bytes + size > self.max_bytes {
            let Some(oldest) = entries
                .map
                .iter()
                .min_by_key(|(_, e)| e.used)
                .map(|(k, _)| *k)
            else {
                break;
            };
            if let Some(gone) = entries.map.remove(&oldest) {
                entries.bytes -= gone.bytes.len();
            }
        }
        entries.clock += 1;
        let used = entries.clock;
        entries.bytes += size;
        entries.map.insert(
            key,
            Entry {
                generation,
                bytes: Arc::clone(bytes),
                used,
                until,
            },
        );
    }

    fn lock(&self) -> MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Bytes held now.
    #[cfg(test)]
    fn held(&self) -> usize {
        self.lock().bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fresh(bytes: Vec<u8>) -> Fresh {
        Fresh { bytes, until: None }
    }

    #[test]
    fn an_entry_whose_moment_has_passed_is_built_again() {
        let cache = ReplyCache::default();
        let key = CacheKey::Survey(SurveyId(1));
        let now = Timestamp::now().unix();
        let until = |at: i64, text: &str| {
            let bytes = text.as_bytes().to_vec();
            move || {
                Ok::<_, ()>(Fresh {
                    bytes,
                    until: Some(Timestamp::from_unix(at)),
                })
            }
        };
        cache.get_or_build(key, 1, until(now + 3600, "a")).unwrap();
        assert_eq!(*cache.get_or_build(key, 1, until(now, "b")).unwrap(), b"a");
        cache
            .get_or_build(CacheKey::AllSurveys, 1, until(now, "c"))
            .unwrap();
        assert_eq!(
            *cache
                .get_or_build(CacheKey::AllSurveys, 1, until(now + 3600, "d"))
                .unwrap(),
            b"d",
            "stale from the moment it names"
        );
    }

    #[test]
    fn an_entry_is_served_only_at_the_generation_it_was_built_for() {
        let cache = ReplyCache::default();
        let key = CacheKey::Survey(SurveyId(1));
        let built = |text: &str| {
            let text = text.as_bytes().to_vec();
            move || Ok::<_, ()>(fresh(text))
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
    fn the_cache_stays_within_its_bytes_and_forgets_the_least_recently_used() {
        let cache = ReplyCache::new(100);
        let build = |n: usize| move || Ok::<_, ()>(fresh(vec![b'x'; n]));
        let (a, b, c) = (
            CacheKey::Survey(SurveyId(1)),
            CacheKey::Survey(SurveyId(2)),
            CacheKey::Survey(SurveyId(3)),
        );
        cache.get_or_build(a, 1, build(40)).unwrap();
        cache.get_or_build(b, 1, build(40)).unwrap();
        // `a` is used again, so `b` is the least recently used when `c` needs room.
        cache.get_or_build(a, 1, || Err(())).unwrap();
        cache.get_or_build(c, 1, build(40)).unwrap();
        assert_eq!(cache.held(), 80);
        assert!(cache.get_or_build(a, 1, || Err(())).is_ok(), "a was kept");
        assert!(
            cache.get_or_build(b, 1, || Err(())).is_err(),
            "b was evicted"
        );
        // Larger than the whole bound: served, not kept.
        let big = cache
            .get_or_build(CacheKey::AllSurveys, 1, build(500))
            .unwrap();
        assert_eq!(big.len(), 500);
        assert!(cache.held() <= 100);
        // A rebuilt entry replaces its old bytes instead of adding to them.
        cache.get_or_build(a, 2, build(10)).unwrap();
        assert_eq!(cache.held(), 50);
    }

    #[test]
    fn readers_missing_one_answer_at_once_build_it_once() {
        use std::sync::Barrier;
        use std::sync::atomic::{AtomicUsize, Ordering};
        let cache = ReplyCache::default();
        let builds = AtomicUsize::new(0);
        let start = Barrier::new(8);
        std::thread::scope(|scope| {
            for _ in 0..8 {
                scope.spawn(|| {
                    start.wait();
                    let bytes = cache
                        .get_or_build(CacheKey::AllSurveys, 5, || {
                            builds.fetch_add(1, Ordering::SeqCst);
                            // Some work, so that readers do arrive while it runs; whatever the
                            // timing, the answer is built once.
                            let mut sum = 0u64;
                            for i in 0..2_000_000u64 {
                                sum = sum.wrapping_add(std::hint::black_box(i));
                            }
                            Ok::<_, ()>(fresh(sum.to_le_bytes().to_vec()))
                        })
                        .unwrap();
                    assert_eq!(bytes.len(), 8);
                });
            }
        });
        assert_eq!(builds.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_build_that_panics_does_not_leave_others_waiting() {
        let cache = ReplyCache::default();
        let key = CacheKey::Survey(SurveyId(9));
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            cache.get_or_build(key, 1, || -> Result<Fresh, ()> { panic!("build failed") })
        }));
        assert!(panicked.is_err());
        let bytes = cache
            .get_or_build(key, 1, || Ok::<_, ()>(fresh(b"ok".to_vec())))
            .unwrap();
        assert_eq!(*bytes, b"ok");
    }

    #[test]
    fn a_failed_build_caches_nothing() {
        let cache = ReplyCache::default();
        let key = CacheKey::AllSurveys;
        assert!(
            cache
                .get_or_build(key, 1, || Err::<Fresh, _>("db down"))
                .is_err()
        );
        assert_eq!(
            *cache
                .get_or_build(key, 1, || Ok::<_, ()>(fresh(b"ok".to_vec())))
                .unwrap(),
            b"ok"
        );
    }
}
