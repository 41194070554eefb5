package org.selfsup.preprocess;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferUShort;
import java.awt.image.Raster;
import java.awt.image.SampleModel;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.zip.CRC32;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * JPEG/PNG decoding to {@link Image} and PNG/JPEG encoding, with JDK ImageIO (in-memory streams,
 * no temp files). Pixels are read in bulk from the raster's data buffer.
 *
 * <p>Like {@code tf.io.decode_image(channels=3)}: gray sources are replicated to 3 channels,
 * alpha is dropped (not composited), palette images are expanded. With {@code channels=1}, colour
 * sources are converted with the ITU-R 601 luma weights (0.299, 0.587, 0.114) and rounded.
 */
public final class ImageCodec {
  /**
   * The default limit on width x height: 8000 x 8000 = 64 M pixels. Decoding one image takes about
   * 16 bytes per pixel at its peak (the decoder's 8-bit raster plus the float RGB copy), 1 GiB at
   * the limit, which fits an executor with 2 GiB of heap per core; photo datasets (ImageNet's
   * photos average about 0.2 M pixels) stay far below it.
   */
  public static final long DEFAULT_MAX_PIXELS = 8000L * 8000L;

  private ImageCodec() {}

  /** Decodes to 3 channels (RGB), values 0..255. */
  public static Image decode(byte[] encoded) {
    return decode(encoded, 3);
  }

  /** Decodes to {@code channels} (1 or 3) channels, values 0..255, up to {@link #DEFAULT_MAX_PIXELS}. */
  public static Image decode(byte[] encoded, int channels) {
    return decode(encoded, channels, DEFAULT_MAX_PIXELS);
  }

  /**
   * Decodes to {@code channels} (1 or 3) channels, values 0..255.
   *
   * @param maxPixels the largest width x height accepted: the header's size is checked before any
   *                  pixel is decoded
   * @throws ImageTooLargeException when the header declares more pixels
   * @throws ImageDecodeException   when the bytes are not a decodable JPEG or PNG image
   */
  public static Image decode(byte[] encoded, int channels, long maxPixels) {
    if (channels != 1 && channels != 3) {
      throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
    }
    if (maxPixels <= 0) {
      throw new IllegalArgumentException("maxPixels must be positive, got " + maxPixels);
    }
    if (encoded == null) {
      throw new ImageDecodeException("no image bytes (null)");
    }
    if (encoded.length == 0) {
      throw new ImageDecodeException("empty input (0 bytes)");
    }
    String format = sniffFormat(encoded);
    if (format == null) {
      throw new ImageDecodeException("not a JPEG or PNG image (first bytes " + firstBytes(encoded)
          + ", " + encoded.length + " bytes)");
    }
    if (format.equals("PNG")) {
      checkPngChunks(encoded);
    }
    BufferedImage bi = read(encoded, format, maxPixels);
    return fromBufferedImage(bi, channels);
  }

  private static String sniffFormat(byte[] b) {
    if (b.length >= 3 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xD8 && (b[2] & 0xFF) == 0xFF) {
      return "JPEG";
    }
    if (b.length >= 8 && (b[0] & 0xFF) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G'
        && b[4] == 0x0D && b[5] == 0x0A && b[6] == 0x1A && b[7] == 0x0A) {
      return "PNG";
    }
    if (b.length >= 6 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F' && b[3] == '8') {
      return "GIF";
    }
    if (b.length >= 14 && b[0] == 'B' && b[1] == 'M') {
      return "BMP";
    }
    return null;
  }

  /**
   * ImageIO ignores chunk CRCs and decodes PNGs cut inside the last IDAT chunk; libpng (and so
   * TensorFlow) rejects both. Walks the chunks up to IEND, checking lengths and CRCs.
   */
  private static void checkPngChunks(byte[] b) {
    int pos = 8;
    CRC32 crc = new CRC32();
    while (true) {
      if (pos + 8 > b.length) {
        throw new ImageDecodeException("truncated or corrupt PNG: file ends at byte " + b.length
            + " before the IEND chunk");
      }
      long len = readInt(b, pos) & 0xFFFFFFFFL;
      if (len > b.length - pos - 12L) {
        throw new ImageDecodeException("truncated or corrupt PNG: chunk '" + chunkType(b, pos + 4)
            + "' at byte " + pos + " needs " + len + " bytes, file has " + b.length + " bytes");
      }
      int dataEnd = pos + 8 + (int) len;
      crc.reset();
      crc.update(b, pos + 4, 4 + (int) len);
      if ((int) crc.getValue() != readInt(b, dataEnd)) {
        throw new ImageDecodeException("truncated or corrupt PNG: bad CRC in chunk '"
            + chunkType(b, pos + 4) + "' at byte " + pos);
      }
      if (b[pos + 4] == 'I' && b[pos + 5] == 'E' && b[pos + 6] == 'N' && b[pos + 7] == 'D') {
        return;
      }
      pos = dataEnd + 4;
    }
  }

  private static int readInt(byte[] b, int p) {
    return ((b[p] & 0xFF) << 24) | ((b[p + 1] & 0xFF) << 16) | ((b[p + 2] & 0xFF) << 8)
        | (b[p + 3] & 0xFF);
  }

  private static String chunkType(byte[] b, int p) {
    StringBuilder sb = new StringBuilder(4);
    for (int i = p; i < p + 4; i++) {
      char ch = (char) (b[i] & 0xFF);
      sb.append(ch >= 0x20 && ch < 0x7F ? ch : '?');
    }
    return sb.toString();
  }

  private static String firstBytes(byte[] b) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < Math.min(4, b.length); i++) {
      if (i > 0) {
        sb.append(' ');
      }
      sb.append(String.format(Locale.ROOT, "0x%02x", b[i] & 0xFF));
    }
    if (b.length > 4) {
      sb.append(" ...");
    }
    return sb.toString();
  }

  private static BufferedImage read(byte[] encoded, String format, long maxPixels) {
    Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format);
    if (!readers.hasNext()) {
      throw new ImageDecodeException("no ImageIO reader for " + format);
    }
    ImageReader reader = readers.next();
    List<String> warnings = new ArrayList<>(2);
    reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
    try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(encoded))) {
      reader.setInput(in, true, true);
      // From the header (PNG IHDR, JPEG SOF): nothing is decoded or allocated yet.
      int width = reader.getWidth(0);
      int height = reader.getHeight(0);
      if ((long) width * height > maxPixels) {
        throw new ImageTooLargeException(format, width, height, maxPixels);
      }
      BufferedImage bi = reader.read(0);
      for (String w : warnings) {
        // libjpeg pads a truncated scan with gray and only warns ("Corrupt JPEG data: premature
        // end of data segment"): make that an error. Other warnings (e.g. "extraneous bytes
        // before marker", or only the final EOI marker missing) leave a complete image and are
        // ignored, as in TensorFlow.
        if (w.toLowerCase(Locale.ROOT).contains("premature end")) {
          throw new ImageDecodeException("truncated or corrupt " + format + ": " + w);
        }
      }
      if (bi == null) {
        throw new ImageDecodeException("truncated or corrupt " + format + ": no image decoded");
      }
      return bi;
    } catch (ImageDecodeException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      // ImageIO throws IIOException, but also IndexOutOfBounds/IllegalArgument/... on bad data.
      throw new ImageDecodeException("truncated or corrupt " + format + ": " + reason(e), e);
    } finally {
      reader.dispose();
    }
  }

  private static String reason(Throwable e) {
    StringBuilder sb = new StringBuilder();
    Throwable t = e;
    for (int depth = 0; t != null && depth < 3; depth++, t = t.getCause()) {
      if (sb.length() > 0) {
        sb.append(": ");
      }
      sb.append(t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName());
    }
    return sb.toString();
  }

  /** Converts any BufferedImage to an {@link Image} with 1 or 3 channels. */
  static Image fromBufferedImage(BufferedImage bi, int channels) {
    int h = bi.getHeight();
    int w = bi.getWidth();
    float[] src = readComponents(bi);
    int srcChannels;
    if (src != null) {
      srcChannels = src.length / (h * w);
    } else {
      // Palette, packed or non-sRGB images: bulk conversion through the colour model.
      int[] argb = bi.getRGB(0, 0, w, h, null, 0, w);
      src = new float[h * w * 3];
      for (int i = 0, j = 0; i < argb.length; i++, j += 3) {
        int p = argb[i];
        src[j] = (p >> 16) & 0xFF;
        src[j + 1] = (p >> 8) & 0xFF;
        src[j + 2] = p & 0xFF;
      }
      srcChannels = 3;
    }
    if (srcChannels == channels) {
      return new Image(h, w, channels, src);
    }
    int n = h * w;
    float[] out = new float[n * channels];
    if (channels == 3) { // gray -> RGB
      for (int i = 0, j = 0; i < n; i++, j += 3) {
        float v = src[i];
        out[j] = v;
        out[j + 1] = v;
        out[j + 2] = v;
      }
    } else { // RGB -> gray
      for (int i = 0, j = 0; i < n; i++, j += 3) {
        out[i] = Math.round(0.299f * src[j] + 0.587f * src[j + 1] + 0.114f * src[j + 2]);
      }
    }
    return new Image(h, w, channels, out);
  }

  /**
   * Fast path: reads 8/16-bit component images (gray, gray+alpha, RGB, RGBA in any band order)
   * straight from the data buffer, dropping alpha. Returns null if the layout is not handled.
   */
  private static float[] readComponents(BufferedImage bi) {
    ColorModel cm = bi.getColorModel();
    Raster raster = bi.getRaster();
    SampleModel sm = raster.getSampleModel();
    if (!(cm instanceof ComponentColorModel) || !(sm instanceof ComponentSampleModel)) {
      return null;
    }
    int csType = cm.getColorSpace().getType();
    int colorBands = cm.getNumColorComponents();
    boolean gray = csType == ColorSpace.TYPE_GRAY && colorBands == 1;
    boolean rgb = csType == ColorSpace.TYPE_RGB && colorBands == 3;
    if (!gray && !rgb) {
      return null;
    }
    ComponentSampleModel csm = (ComponentSampleModel) sm;
    DataBuffer db = raster.getDataBuffer();
    if (db.getNumBanks() != 1 && !allSameBank(csm)) {
      return null;
    }
    int h = bi.getHeight();
    int w = bi.getWidth();
    int pixelStride = csm.getPixelStride();
    int scanStride = csm.getScanlineStride();
    int[] bandOffsets = csm.getBandOffsets();
    int[] bankIndices = csm.getBankIndices();
    // Rasters of sub-images start at an offset inside the buffer.
    int base = db.getOffsets()[bankIndices[0]]
        - raster.getSampleModelTranslateY() * scanStride
        - raster.getSampleModelTranslateX() * pixelStride;
    float[] out = new float[h * w * colorBands];
    if (db instanceof DataBufferByte) {
      byte[] buf = ((DataBufferByte) db).getData(bankIndices[0]);
      copy8(buf, out, h, w, colorBands, base, pixelStride, scanStride, bandOffsets);
    } else if (db instanceof DataBufferUShort) {
      short[] buf = ((DataBufferUShort) db).getData(bankIndices[0]);
      copy16(buf, out, h, w, colorBands, base, pixelStride, scanStride, bandOffsets);
    } else {
      return null;
    }
    return out;
  }

  private static boolean allSameBank(ComponentSampleModel csm) {
    int[] banks = csm.getBankIndices();
    for (int b : banks) {
      if (b != banks[0]) {
        return false;
      }
    }
    return true;
  }

  private static void copy8(byte[] buf, float[] out, int h, int w, int c, int base,
      int pixelStride, int scanStride, int[] bandOffsets) {
    int o = 0;
    if (c == 3) {
      int b0 = bandOffsets[0];
      int b1 = bandOffsets[1];
      int b2 = bandOffsets[2];
      for (int y = 0; y < h; y++) {
        int p = base + y * scanStride;
        for (int x = 0; x < w; x++, p += pixelStride) {
          out[o++] = buf[p + b0] & 0xFF;
          out[o++] = buf[p + b1] & 0xFF;
          out[o++] = buf[p + b2] & 0xFF;
        }
      }
    } else {
      int b0 = bandOffsets[0];
      for (int y = 0; y < h; y++) {
        int p = base + y * scanStride + b0;
        for (int x = 0; x < w; x++, p += pixelStride) {
          out[o++] = buf[p] & 0xFF;
        }
      }
    }
  }

  private static void copy16(short[] buf, float[] out, int h, int w, int c, int base,
      int pixelStride, int scanStride, int[] bandOffsets) {
    // 16-bit PNG: scale 0..65535 to 0..255 and round, like tf decode_png(dtype=uint8).
    int o = 0;
    for (int y = 0; y < h; y++) {
      int p = base + y * scanStride;
      for (int x = 0; x < w; x++, p += pixelStride) {
        for (int k = 0; k < c; k++) {
          out[o++] = Math.round((buf[p + bandOffsets[k]] & 0xFFFF) / 257f);
        }
      }
    }
  }

  /** Lossless PNG: values clamped to 0..255 and rounded; 1 channel gives a gray PNG. */
  public static byte[] encodePng(Image img) {
    return write(toBufferedImage(img), "png", -1f);
  }

  /** Baseline JPEG with the given quality in [0, 1]; values clamped to 0..255 and rounded. */
  public static byte[] encodeJpeg(Image img, float quality) {
    if (!(quality >= 0f && quality <= 1f)) {
      throw new IllegalArgumentException("JPEG quality must be in [0, 1], got " + quality);
    }
    return write(toBufferedImage(img), "jpeg", quality);
  }

  /**
   * PNG for looking at: written as is when all values lie in [0, 255], otherwise min-max rescaled
   * to 0..255 (e.g. after {@code value_range(-1,1)} or {@code standardize}).
   */
  public static byte[] toViewablePng(Image img) {
    float[] d = img.data();
    float min = Float.POSITIVE_INFINITY;
    float max = Float.NEGATIVE_INFINITY;
    for (float v : d) {
      if (v < min) {
        min = v;
      }
      if (v > max) {
        max = v;
      }
    }
    if (min >= 0f && max <= 255f) {
      return encodePng(img);
    }
    float[] out = new float[d.length];
    float range = max - min;
    if (range > 0f && !Float.isInfinite(range)) {
      float scale = 255f / range;
      for (int i = 0; i < d.length; i++) {
        out[i] = (d[i] - min) * scale;
      }
    }
    return encodePng(new Image(img.height(), img.width(), img.channels(), out));
  }

  private static BufferedImage toBufferedImage(Image img) {
    int c = img.channels();
    if (c != 1 && c != 3) {
      throw new IllegalArgumentException("can only encode 1 or 3 channels, got " + c);
    }
    int h = img.height();
    int w = img.width();
    float[] d = img.data();
    BufferedImage bi;
    byte[] buf;
    if (c == 1) {
      bi = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
      buf = ((DataBufferByte) bi.getRaster().getDataBuffer()).getData();
      for (int i = 0; i < d.length; i++) {
        buf[i] = toByte(d[i]);
      }
    } else {
      bi = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
      buf = ((DataBufferByte) bi.getRaster().getDataBuffer()).getData();
      for (int i = 0; i < d.length; i += 3) {
        buf[i] = toByte(d[i + 2]);
        buf[i + 1] = toByte(d[i + 1]);
        buf[i + 2] = toByte(d[i]);
      }
    }
    return bi;
  }

  private static byte toByte(float v) {
    if (!(v > 0f)) { // also NaN
      return 0;
    }
    if (v >= 255f) {
      return (byte) 255;
    }
    return (byte) Math.round(v);
  }

  private static byte[] write(BufferedImage bi, String format, float quality) {
    Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName(format);
    if (!writers.hasNext()) {
      throw new IllegalStateException("no ImageIO writer for " + format);
    }
    ImageWriter writer = writers.next();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(bi.getWidth() * bi.getHeight());
    try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
      writer.setOutput(out);
      ImageWriteParam param = writer.getDefaultWriteParam();
      if (quality >= 0f) {
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionQuality(quality);
      }
      writer.write(null, new IIOImage(bi, null, null), param);
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode " + format + ": " + e.getMessage(), e);
    } finally {
      writer.dispose();
    }
    return bytes.toByteArray();
  }
}
