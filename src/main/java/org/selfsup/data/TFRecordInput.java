package org.selfsup.data;

import org.tensorflow.hadoop.util.Crc32C;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Streams the records of one TFRecord file, one at a time, checking both CRCs.
 * Framing: uint64 length (LE), uint32 masked crc32c(length), data, uint32 masked crc32c(data).
 *
 * <p>GZIP-compressed files are recognised by their magic bytes, not their name. A plain file whose
 * first length happens to begin with the gzip magic is told apart by its valid length CRC.
 *
 * <p>{@link #next()} throws {@link BadRecordException} for a bad record; after one whose kind
 * {@link BadRecordKind#losesRestOfFile() loses the rest of the file} it returns null (end).
 * An I/O error that is not about the data (network, permissions) is thrown as
 * {@link UncheckedIOException} so Spark can retry the task.
 */
public final class TFRecordInput implements Closeable {
  private static final int HEADER = 12;
  private static final int FOOTER = 4;
  private static final int BUFFER = 1 << 16;
  /** Longest payload a Java array can hold, with a margin. */
  private static final long MAX_LENGTH = Integer.MAX_VALUE - 64;

  private final InputStream in;
  private final String file;
  private final boolean gzip;
  private final byte[] header = new byte[HEADER];
  private final byte[] footer = new byte[FOOTER];
  private long nextIndex;
  /** Bytes of the (uncompressed) stream consumed so far. */
  private long consumed;
  private long lastIndex = -1;
  private boolean finished;
  /** Set by readFully when the decompressor reported an early end of its stream. */
  private EOFException streamEof;

  /**
   * @param raw  the file's bytes (closed by {@link #close()})
   * @param file the name used in error messages (the full path)
   */
  public TFRecordInput(InputStream raw, String file) {
    this.file = file;
    BufferedInputStream buffered = raw instanceof BufferedInputStream
        ? (BufferedInputStream) raw : new BufferedInputStream(raw, BUFFER);
    try {
      this.gzip = looksGzipped(buffered);
      this.in = gzip ? new BufferedInputStream(new GZIPInputStream(buffered, BUFFER), BUFFER) : buffered;
    } catch (ZipException e) {
      closeQuietly(buffered);
      throw BadRecordException.corruptStream(file, 0, e);
    } catch (EOFException e) {
      closeQuietly(buffered);
      throw BadRecordException.truncated(file, 0, 0, HEADER, true, e);
    } catch (IOException e) {
      closeQuietly(buffered);
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /** True when the file is GZIP-compressed. */
  public boolean isGzip() {
    return gzip;
  }

  /** The file name given at construction. */
  public String file() {
    return file;
  }

  /** Bytes of the record stream read so far (uncompressed bytes for a gzip file). */
  public long bytesConsumed() {
    return consumed;
  }

  /** 0-based index of the record last returned or last reported bad; -1 before the first. */
  public long lastIndex() {
    return lastIndex;
  }

  /**
   * The next record's payload, or null at the end of the file (or after a failure that loses
   * the rest of it).
   *
   * @throws BadRecordException for a truncated record, a CRC mismatch or a corrupt gzip stream
   */
  public byte[] next() {
    if (finished) {
      return null;
    }
    long index = nextIndex++;
    lastIndex = index;
    try {
      int got = readFully(header, 0, HEADER);
      if (got == 0 && streamEof == null) {
        finished = true;
        return null;
      }
      if (got < HEADER) {
        throw fatal(BadRecordException.truncated(file, index, got, HEADER, true, streamEof));
      }
      long length = readLongLE(header, 0);
      int storedLengthCrc = readIntLE(header, 8);
      int lengthCrc = Crc32C.maskedCrc32c(header, 0, 8);
      if (storedLengthCrc != lengthCrc) {
        throw fatal(BadRecordException.lengthCrc(file, index, storedLengthCrc, lengthCrc));
      }
      if (length < 0 || length > MAX_LENGTH) {
        throw fatal(BadRecordException.tooLong(file, index, length));
      }
      long total = HEADER + length + FOOTER;
      byte[] data = new byte[(int) length];
      got = readFully(data, 0, data.length);
      if (got < data.length) {
        throw fatal(BadRecordException.truncated(file, index, HEADER + got, total, false, streamEof));
      }
      got = readFully(footer, 0, FOOTER);
      if (got < FOOTER) {
        throw fatal(BadRecordException.truncated(file, index, HEADER + length + got, total, false,
            streamEof));
      }
      int storedDataCrc = readIntLE(footer, 0);
      int dataCrc = Crc32C.maskedCrc32c(data, 0, data.length);
      if (storedDataCrc != dataCrc) {
        throw BadRecordException.dataCrc(file, index, storedDataCrc, dataCrc);
      }
      return data;
    } catch (ZipException e) {
      throw fatal(BadRecordException.corruptStream(file, index, e));
    } catch (IOException e) {
      finished = true;
      throw new UncheckedIOException("I/O error reading record " + index + " of " + file, e);
    }
  }

  private BadRecordException fatal(BadRecordException e) {
    finished = true;
    return e;
  }

  /** Reads until len bytes or the end; returns how many were read. */
  private int readFully(byte[] b, int off, int len) throws IOException {
    int n = 0;
    while (n < len) {
      int r;
      try {
        r = in.read(b, off + n, len - n);
      } catch (EOFException e) {
        // GZIPInputStream: "Unexpected end of ZLIB input stream" = a truncated .gz
        streamEof = e;
        return n;
      }
      if (r < 0) {
        return n;
      }
      n += r;
      consumed += r;
    }
    return n;
  }

  @Override
  public void close() {
    finished = true;
    closeQuietly(in);
  }

  private static void closeQuietly(InputStream s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // nothing useful to do
    }
  }

  /**
   * Gzip magic (1f 8b 08) at the start, and not a plain TFRecord header (whose length CRC would
   * check out).
   */
  static boolean looksGzipped(BufferedInputStream s) throws IOException {
    s.mark(HEADER);
    byte[] start = new byte[HEADER];
    int n = 0;
    while (n < HEADER) {
      int r = s.read(start, n, HEADER - n);
      if (r < 0) {
        break;
      }
      n += r;
    }
    s.reset();
    if (n < 3 || (start[0] & 0xff) != 0x1f || (start[1] & 0xff) != 0x8b || start[2] != 8) {
      return false;
    }
    return n < HEADER || Crc32C.maskedCrc32c(start, 0, 8) != readIntLE(start, 8);
  }

  static long readLongLE(byte[] b, int off) {
    long v = 0;
    for (int i = 7; i >= 0; i--) {
      v = (v << 8) | (b[off + i] & 0xffL);
    }
    return v;
  }

  static int readIntLE(byte[] b, int off) {
    return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
  }
}
