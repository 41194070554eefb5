package org.selfsup.bundle;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * {@code manifest.json} of a folder: SHA-256 and size of each of its files, written after them
 * (as a checkpoint's manifest is): a folder whose manifest is missing, or that lacks a listed file,
 * or whose file differs from its entry, is damaged. Hadoop FileSystem only, nothing renamed.
 */
public final class FileManifest {
  public static final String NAME = "manifest.json";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** One file's entry. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static final class Entry {
    public String sha256;
    public long bytes;

    Entry() {}

    Entry(String sha256, long bytes) {
      this.sha256 = sha256;
      this.bytes = bytes;
    }
  }

  private FileManifest() {}

  /** Hashes {@code files} (names inside {@code dir}) and writes the manifest listing them. */
  public static void write(FileSystem fs, Path dir, Collection<String> files) throws IOException {
    Map<String, Entry> manifest = new TreeMap<>();
    for (String f : files) {
      manifest.put(f, digest(fs, new Path(dir, f)));
    }
    try (OutputStream out = fs.create(new Path(dir, NAME), true)) {
      out.write(JSON.writeValueAsString(manifest).getBytes(StandardCharsets.UTF_8));
    }
  }

  /**
   * Null when every file the manifest lists (and every one of {@code required}) matches it; else
   * what is wrong, in a few words.
   */
  public static String problem(FileSystem fs, Path dir, Collection<String> required) throws IOException {
    Path path = new Path(dir, NAME);
    if (!fs.exists(path)) {
      return "no " + NAME + ": it was not written to the end, or this is not such a folder";
    }
    Map<String, Entry> manifest;
    try (InputStream in = fs.open(path)) {
      manifest = JSON.readValue(in, new TypeReference<TreeMap<String, Entry>>() {});
    } catch (IOException e) {
      return NAME + " unreadable: " + e.getMessage();
    }
    for (String f : required) {
      if (!manifest.containsKey(f)) {
        return NAME + " has no entry for " + f;
      }
    }
    for (Map.Entry<String, Entry> e : manifest.entrySet()) {
      Entry expected = e.getValue();
      if (expected == null || expected.sha256 == null) {
        return NAME + " has no SHA-256 for " + e.getKey();
      }
      Entry actual;
      try {
        actual = digest(fs, new Path(dir, e.getKey()));
      } catch (FileNotFoundException missing) {
        return e.getKey() + " is missing";
      }
      if (actual.bytes != expected.bytes) {
        return e.getKey() + " is " + actual.bytes + " bytes, the manifest says " + expected.bytes;
      }
      if (!actual.sha256.equals(expected.sha256)) {
        return e.getKey() + " has SHA-256 " + actual.sha256 + ", the manifest says " + expected.sha256;
      }
    }
    return null;
  }

  /** The manifest's entries (call after {@link #problem} found none). */
  public static Map<String, Entry> read(FileSystem fs, Path dir) throws IOException {
    try (InputStream in = fs.open(new Path(dir, NAME))) {
      return JSON.readValue(in, new TypeReference<TreeMap<String, Entry>>() {});
    }
  }

  static Entry digest(FileSystem fs, Path f) throws IOException {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    long bytes = 0;
    try (InputStream in = new DigestInputStream(fs.open(f), md)) {
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        bytes += n;
      }
    }
    StringBuilder hex = new StringBuilder(64);
    for (byte b : md.digest()) {
      hex.append(String.format(Locale.ROOT, "%02x", b));
    }
    return new Entry(hex.toString(), bytes);
  }
}
