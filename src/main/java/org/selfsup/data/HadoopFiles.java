package org.selfsup.data;

import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

/** The Hadoop file system of a path, for every file this project reads or writes. */
public final class HadoopFiles {
  private HadoopFiles() {}

  /**
   * The path's file system; for {@code file:} the raw one, without Hadoop's {@code .crc} side
   * files: TFRecords carry their own CRCs, a stale side file would hide a real corruption
   * behind a ChecksumException, and side files clutter the folders users look at.
   */
  public static FileSystem of(Path path, Configuration conf) throws IOException {
    FileSystem fs = path.getFileSystem(conf);
    return fs instanceof LocalFileSystem ? ((LocalFileSystem) fs).getRawFileSystem() : fs;
  }

  /** True for a path on the local file system (no scheme, or file:), which can be checked without credentials. */
  public static boolean isLocal(String path) {
    String scheme = new Path(path).toUri().getScheme();
    return scheme == null || "file".equals(scheme);
  }
}
