// canvass patch: the destructor used to allocate `vec![0; remaining]` to throw away the
// unread rest of a body, so `Content-Length: 1099511627776` aborted the process. It now
// drains through one fixed stack buffer, at most `MAX_DRAIN` bytes, and not at all after
// the inner reader failed or hit EOF (see PATCHES.md, hazard 1).

use std::io::Read;
use std::io::Result as IoResult;

/// Size of the scratch buffer used to throw away unread bytes.
const DRAIN_CHUNK: usize = 8 * 1024;

/// At most this many unread bytes are thrown away on drop; beyond that the stream is left
/// out of sync and the connection must be closed by the caller.
pub const MAX_DRAIN: usize = 64 * 1024;

/// A `Reader` that reads exactly the number of bytes from a sub-reader.
///
/// If the limit is reached, it returns EOF. If the limit is not reached when the
/// destructor is called, up to [`MAX_DRAIN`] of the remaining bytes are read and thrown
/// away (using a small fixed buffer); anything beyond that is left unread.
pub struct EqualReader<R>
where
    R: Read,
{
    reader: R,
    size: usize,
    // set once the inner reader returned an error or EOF: never read from it again
    failed: bool,
}

impl<R> EqualReader<R>
where
    R: Read,
{
    pub fn new(reader: R, size: usize) -> EqualReader<R> {
        EqualReader {
            reader,
            size,
            failed: false,
        }
    }

    /// Number of bytes not read yet.
    #[cfg(test)]
    pub fn remaining(&self) -> usize {
        self.size
    }
}

impl<R> Read for EqualReader<R>
where
    R: Read,
{
    fn read(&mut self, buf: &mut [u8]) -> IoResult<usize> {
        if self.size == 0 || buf.is_empty() {
            return Ok(0);
        }

        let len = buf.len().min(self.size);
        match self.reader.read(&mut buf[..len]) {
            Ok(0) => {
                self.failed = true;
                Ok(0)
            }
            Ok(n) => {
                self.size -= n;
                Ok(n)
            }
            Err(e) => {
                if e.kind() != std::io::ErrorKind::Interrupted {
                    self.failed = true;
                }
                Err(e)
            }
        }
    }
}

impl<R> Drop for EqualReader<R>
where
    R: Read,
{
    fn drop(&mut self) {
        if self.failed {
            return;
        }

        let mut budget = self.size.min(MAX_DRAIN);
        let mut buf = [0u8; DRAIN_CHUNK];
        while budget > 0 {
            let len = budget.min(DRAIN_CHUNK);
            match self.reader.read(&mut buf[..len]) {
                Ok(0) => break,
                Ok(n) => {
                    budget -= n;
                    self.size -= n;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{EqualReader, DRAIN_CHUNK, MAX_DRAIN};
    use std::io::{self, Cursor, Read};

    #[test]
    fn test_limit() {
        let mut org_reader = Cursor::new("hello world".to_string().into_bytes());

        {
            let mut equal_reader = EqualReader::new(org_reader.by_ref(), 5);

            let mut string = String::new();
            equal_reader.read_to_string(&mut string).unwrap();
            assert_eq!(string, "hello");
        }

        let mut string = String::new();
        org_reader.read_to_string(&mut string).unwrap();
        assert_eq!(string, " world");
    }

    #[test]
    fn test_not_enough() {
        let mut org_reader = Cursor::new("hello world".to_string().into_bytes());

        {
            let mut equal_reader = EqualReader::new(org_reader.by_ref(), 5);

            let mut vec = [0];
            equal_reader.read_exact(&mut vec).unwrap();
            assert_eq!(vec[0], b'h');
        }

        let mut string = String::new();
        org_reader.read_to_string(&mut string).unwrap();
        assert_eq!(string, " world");
    }

    /// Records how many bytes were requested and delivered.
    struct Counting<R> {
        inner: R,
        delivered: usize,
        largest_request: usize,
    }

    impl<R: Read> Read for Counting<R> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.largest_request = self.largest_request.max(buf.len());
            let n = self.inner.read(buf)?;
            self.delivered += n;
            Ok(n)
        }
    }

    #[test]
    fn drop_with_huge_size_over_short_reader_does_not_allocate_it() {
        // 1 TiB declared, 11 bytes available: the old code did `vec![0; 1 << 40]` here.
        let mut source = Counting {
            inner: Cursor::new(b"hello world".to_vec()),
            delivered: 0,
            largest_request: 0,
        };
        drop(EqualReader::new(&mut source, 1 << 40));
        assert_eq!(source.delivered, 11);
        assert!(source.largest_request <= DRAIN_CHUNK);
    }

    #[test]
    fn drop_drains_a_bounded_amount_of_an_endless_reader() {
        let mut source = Counting {
            inner: io::repeat(b'x'),
            delivered: 0,
            largest_request: 0,
        };
        drop(EqualReader::new(&mut source, usize::MAX));
        assert_eq!(source.delivered, MAX_DRAIN);
        assert!(source.largest_request <= DRAIN_CHUNK);
    }

    #[test]
    fn drop_after_eof_does_not_read_again() {
        let mut source = Counting {
            inner: Cursor::new(b"abc".to_vec()),
            delivered: 0,
            largest_request: 0,
        };
        {
            let mut reader = EqualReader::new(&mut source, 10);
            let mut out = Vec::new();
            reader.read_to_end(&mut out).unwrap();
            assert_eq!(out, b"abc");
            assert_eq!(reader.remaining(), 7);
        }
        assert_eq!(source.delivered, 3);
    }
}
