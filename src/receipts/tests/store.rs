use std::collections::HashSet;
use std::fs;
use std::io::Write;

use crate::receipts::RenditionSize;
use crate::receipts::store::FileStore as ReceiptStore;

const SHA_A: &str = "aa11223344556677889900aabbccddeeff00112233445566778899aabbccddee";
const SHA_B: &str = "bb11223344556677889900aabbccddeeff00112233445566778899aabbccddee";

fn store() -> (tempfile::TempDir, ReceiptStore) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = ReceiptStore::new(dir.path().join("receipts")).expect("store opens");
    (dir, store)
}

fn upload(store: &ReceiptStore, bytes: &[u8]) -> std::path::PathBuf {
    let (mut file, path) = store.temp_file().expect("temp file");
    file.write_all(bytes).expect("write");
    assert!(path.starts_with(store.root().join("tmp")));
    path
}

#[test]
fn originals_are_stored_under_their_content_address_and_read_only() {
    let (_dir, store) = store();
    let tmp = upload(&store, b"receipt bytes");
    let stored = store.commit_original(&tmp, SHA_A).expect("commit");
    assert_eq!(stored, store.root().join("originals/aa/11").join(SHA_A));
    assert_eq!(store.original_path(SHA_A).expect("valid sha"), stored);
    assert_eq!(fs::read(&stored).expect("read"), b"receipt bytes");
    assert!(fs::metadata(&stored).expect("metadata").permissions().readonly());
    assert!(!tmp.exists(), "the temp file became the original");
}

#[test]
fn committing_stored_bytes_again_removes_the_temp_and_leaves_the_original_untouched() {
    let (_dir, store) = store();
    let first = store
        .commit_original(&upload(&store, b"same bytes"), SHA_A)
        .expect("commit");
    let before = fs::metadata(&first).expect("metadata").modified().expect("mtime");
    let retry = upload(&store, b"same bytes");
    let second = store.commit_original(&retry, SHA_A).expect("commit again");
    assert_eq!(first, second);
    assert!(!retry.exists());
    assert_eq!(
        fs::metadata(&second).expect("metadata").modified().expect("mtime"),
        before
    );
    assert_eq!(fs::read_dir(store.root().join("tmp")).expect("tmp").count(), 0);
}

#[test]
fn renditions_are_written_beside_their_original_address() {
    let (_dir, store) = store();
    let path = store
        .write_rendition(SHA_A, RenditionSize::Thumb, b"jpeg")
        .expect("write");
    assert_eq!(
        path,
        store.rendition_path(SHA_A, RenditionSize::Thumb).expect("valid sha")
    );
    assert!(path.ends_with(format!("renditions/aa/11/{SHA_A}-thumb.jpg")));
    store
        .write_rendition(SHA_A, RenditionSize::Thumb, b"jpeg2")
        .expect("rewrite");
    assert_eq!(fs::read(&path).expect("read"), b"jpeg2");
    assert_eq!(fs::read_dir(store.root().join("tmp")).expect("tmp").count(), 0);
}

#[test]
fn names_that_are_not_a_sha256_are_refused() {
    let (_dir, store) = store();
    for bad in [
        "../../etc/passwd",
        "AA11223344556677889900AABBCCDDEEFF00112233445566778899AABBCCDDEE",
        "aa11",
        "",
    ] {
        assert!(store.original_path(bad).is_err(), "{bad}");
        assert!(store.rendition_path(bad, RenditionSize::Screen).is_err(), "{bad}");
    }
    let tmp = upload(&store, b"x");
    assert!(store.commit_original(&tmp, "../escape").is_err());
}

#[test]
fn sweep_removes_what_a_crash_left_without_a_row_and_keeps_the_rest() {
    let (_dir, store) = store();
    // Known receipt: original and renditions stay.
    store.commit_original(&upload(&store, b"known"), SHA_A).expect("commit");
    store
        .write_rendition(SHA_A, RenditionSize::Screen, b"s")
        .expect("rendition");
    // Crash after the file was committed but before the row: original and rendition go.
    store
        .commit_original(&upload(&store, b"orphan"), SHA_B)
        .expect("commit");
    store
        .write_rendition(SHA_B, RenditionSize::Thumb, b"t")
        .expect("rendition");
    // Crash while an upload was being received: the temp file goes.
    upload(&store, b"half an upl");
    // A file the store did not make is left alone.
    fs::write(store.root().join("originals/aa/11/README"), b"admin note").expect("write");

    let known: HashSet<&str> = [SHA_A].into();
    assert_eq!(store.sweep(|sha| known.contains(sha)).expect("sweep"), 3);
    assert!(store.original_path(SHA_A).expect("sha").exists());
    assert!(
        store
            .rendition_path(SHA_A, RenditionSize::Screen)
            .expect("sha")
            .exists()
    );
    assert!(!store.original_path(SHA_B).expect("sha").exists());
    assert!(!store.rendition_path(SHA_B, RenditionSize::Thumb).expect("sha").exists());
    assert_eq!(fs::read_dir(store.root().join("tmp")).expect("tmp").count(), 0);
    assert!(store.root().join("originals/aa/11/README").exists());
    assert_eq!(store.sweep(|sha| known.contains(sha)).expect("sweep again"), 0);
}

#[test]
fn sweep_with_a_grace_period_spares_files_another_server_is_committing() {
    let (_dir, store) = store();
    store
        .commit_original(&upload(&store, b"in flight"), SHA_B)
        .expect("commit");
    upload(&store, b"receiving");
    let hour = std::time::Duration::from_secs(3600);
    assert_eq!(store.sweep_older_than(|_| false, hour).expect("sweep"), 0);
    assert!(store.original_path(SHA_B).expect("sha").exists());
    assert_eq!(store.sweep(|_| false).expect("sweep"), 2);
}

#[test]
fn receipts_urls_name_a_file_store_or_a_bucket_and_nothing_else() {
    use crate::receipts::store::ReceiptsLocation;
    assert_eq!(
        ReceiptsLocation::parse("file:///srv/receipts"),
        Ok(ReceiptsLocation::Files("/srv/receipts".into()))
    );
    assert_eq!(
        ReceiptsLocation::parse("s3://village-receipts/sanmen/"),
        Ok(ReceiptsLocation::Objects("s3://village-receipts/sanmen".into()))
    );
    assert_eq!(
        ReceiptsLocation::parse("s3://village-receipts"),
        Ok(ReceiptsLocation::Objects("s3://village-receipts".into()))
    );
    for bad in [
        "file://relative/path",
        "s3://",
        "s3:///prefix",
        "http://bucket/x",
        "/srv/receipts",
        "",
    ] {
        assert!(ReceiptsLocation::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn removing_an_original_takes_its_renditions_and_nothing_else() {
    let (_dir, store) = store();
    for sha in [SHA_A, SHA_B] {
        store
            .commit_original(&upload(&store, sha.as_bytes()), sha)
            .expect("commit");
        store
            .write_rendition(sha, RenditionSize::Thumb, b"jpeg")
            .expect("thumb");
        store
            .write_rendition(sha, RenditionSize::Screen, b"jpeg")
            .expect("screen");
    }
    assert_eq!(store.remove(SHA_A).expect("remove"), 3);
    assert!(!store.original_path(SHA_A).expect("sha").exists());
    for size in RenditionSize::ALL {
        assert!(!store.rendition_path(SHA_A, size).expect("sha").exists());
    }
    assert!(store.original_path(SHA_B).expect("sha").exists());
    assert!(store.rendition_path(SHA_B, RenditionSize::Thumb).expect("sha").exists());
    assert_eq!(store.remove(SHA_A).expect("nothing left to remove"), 0);
}
