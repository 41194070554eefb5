package org.selfsup.preprocess;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class ImageCodecTest {

  private static byte[] writeWithImageIo(BufferedImage bi) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertTrue(ImageIO.write(bi, "png", out));
    return out.toByteArray();
  }

  @Test
  void pngRoundTripIsExactForRgbAndGray() {
    SplittableRandom rng = new SplittableRandom(1);
    for (int t = 0; t < 20; t++) {
      Image rgb = TestImages.randomImage(rng, 1 + rng.nextInt(30), 1 + rng.nextInt(30), 3);
      assertEquals(rgb, ImageCodec.decode(ImageCodec.encodePng(rgb)));
      Image gray = TestImages.randomImage(rng, 1 + rng.nextInt(30), 1 + rng.nextInt(30), 1);
      byte[] png = ImageCodec.encodePng(gray);
      assertEquals(gray, ImageCodec.decode(png, 1));
      Image asRgb = ImageCodec.decode(png);
      assertEquals(3, asRgb.channels());
      for (int y = 0; y < gray.height(); y++) {
        for (int x = 0; x < gray.width(); x++) {
          for (int c = 0; c < 3; c++) {
            assertEquals(gray.get(y, x, 0), asRgb.get(y, x, c));
          }
        }
      }
    }
  }

  @Test
  void encodePngClampsAndRounds() {
    Image img = new Image(1, 4, 1, new float[] {-3f, 1.4f, 1.6f, 300f});
    assertArrayEquals(new float[] {0, 1, 2, 255}, ImageCodec.decode(ImageCodec.encodePng(img), 1)
        .data());
  }

  @Test
  void rgbToOneChannelUsesLuma() {
    Image img = new Image(1, 2, 3, new float[] {255, 0, 0, 10, 200, 30});
    Image gray = ImageCodec.decode(ImageCodec.encodePng(img), 1);
    // 0.299 * 255 = 76.2; 0.299*10 + 0.587*200 + 0.114*30 = 123.81
    assertArrayEquals(new float[] {76, 124}, gray.data());
  }

  @Test
  void rgbaPngDropsAlpha() throws IOException {
    BufferedImage bi = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
    bi.setRGB(0, 0, 0x80102030);
    bi.setRGB(1, 0, 0x00A0B0C0);
    Image img = ImageCodec.decode(writeWithImageIo(bi));
    assertArrayEquals(new float[] {0x10, 0x20, 0x30, 0xA0, 0xB0, 0xC0}, img.data());
  }

  @Test
  void palettePngIsExpanded() throws IOException {
    byte[] r = {(byte) 255, 0, 7};
    byte[] g = {0, (byte) 128, 8};
    byte[] b = {0, 0, 9};
    BufferedImage bi = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_INDEXED,
        new IndexColorModel(8, 3, r, g, b));
    WritableRaster raster = bi.getRaster();
    raster.setSample(0, 0, 0, 2);
    raster.setSample(1, 0, 0, 0);
    raster.setSample(2, 0, 0, 1);
    Image img = ImageCodec.decode(writeWithImageIo(bi));
    assertArrayEquals(new float[] {7, 8, 9, 255, 0, 0, 0, 128, 0}, img.data());
  }

  @Test
  void sixteenBitGrayPngIsScaledTo8Bit() throws IOException {
    BufferedImage bi = new BufferedImage(3, 1, BufferedImage.TYPE_USHORT_GRAY);
    bi.getRaster().setSample(0, 0, 0, 0);
    bi.getRaster().setSample(1, 0, 0, 257 * 100);
    bi.getRaster().setSample(2, 0, 0, 65535);
    Image img = ImageCodec.decode(writeWithImageIo(bi), 1);
    assertArrayEquals(new float[] {0, 100, 255}, img.data());
  }

  @Test
  void realPhotosDecodeToPlausibleImages() {
    int[][] sizes = {{512, 512}, {480, 512}, {356, 493}}; // height, width
    for (int i = 0; i < TestImages.PHOTOS.length; i++) {
      Image img = ImageCodec.decode(TestImages.photo(TestImages.PHOTOS[i]));
      assertEquals(sizes[i][0], img.height(), TestImages.PHOTOS[i]);
      assertEquals(sizes[i][1], img.width(), TestImages.PHOTOS[i]);
      assertEquals(3, img.channels());
      double[] mean = new double[3];
      float min = 255;
      float max = 0;
      for (int p = 0; p < img.data().length; p++) {
        float v = img.data()[p];
        assertEquals(Math.rint(v), v, 0.0);
        mean[p % 3] += v;
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      int n = img.height() * img.width();
      for (int c = 0; c < 3; c++) {
        mean[c] /= n;
        assertTrue(mean[c] > 20 && mean[c] < 235, "channel mean " + mean[c]);
      }
      assertTrue(max - min > 150, "contrast " + min + ".." + max);
      // colour photos: channels are not all equal
      assertTrue(Math.abs(mean[0] - mean[2]) > 3 || Math.abs(mean[0] - mean[1]) > 3);
      Image gray = ImageCodec.decode(TestImages.photo(TestImages.PHOTOS[i]), 1);
      assertEquals(1, gray.channels());
      assertEquals(img.height(), gray.height());
    }
  }

  @Test
  void jpegRoundTripIsClose() {
    Image img = TestImages.of(32, 48, 3, (y, x, c) -> 40 + 3 * x + 2 * y + 20 * c);
    Image back = ImageCodec.decode(ImageCodec.encodeJpeg(img, 0.95f));
    assertEquals(32, back.height());
    assertEquals(48, back.width());
    double err = 0;
    for (int i = 0; i < img.data().length; i++) {
      err += Math.abs(img.data()[i] - back.data()[i]);
    }
    assertTrue(err / img.data().length < 3, "mean abs error " + err / img.data().length);
  }

  @Test
  void toViewablePngRescalesOnlyWhenNeeded() {
    Image inRange = new Image(1, 3, 1, new float[] {0, 100, 255});
    assertEquals(inRange, ImageCodec.decode(ImageCodec.toViewablePng(inRange), 1));
    Image signed = new Image(1, 3, 3, new float[] {-1, -1, -1, 0, 0, 0, 1, 1, 1});
    Image view = ImageCodec.decode(ImageCodec.toViewablePng(signed));
    assertArrayEquals(new float[] {0, 0, 0, 128, 128, 128, 255, 255, 255}, view.data());
  }

  @Test
  void undecodableInputThrows() {
    SplittableRandom rng = new SplittableRandom(2);
    byte[] random = new byte[1000];
    for (int i = 0; i < random.length; i++) {
      random[i] = (byte) rng.nextInt(256);
    }
    random[0] = 0x12;
    random[1] = 0x34;
    ImageDecodeException e = assertThrows(ImageDecodeException.class,
        () -> ImageCodec.decode(random));
    assertTrue(e.getMessage().startsWith("not a JPEG or PNG image (first bytes 0x12 0x34"),
        e.getMessage());
    assertThrows(ImageDecodeException.class, () -> ImageCodec.decode(new byte[0]));
    assertThrows(ImageDecodeException.class, () -> ImageCodec.decode(null));
    assertThrows(ImageDecodeException.class, () -> ImageCodec.decode(new byte[] {(byte) 0xFF}));
  }

  @Test
  void truncatedJpegThrows() {
    byte[] jpeg = TestImages.photo("baboon.jpg");
    for (int len : new int[] {jpeg.length / 2, jpeg.length - 100, 600, 3}) {
      byte[] cut = Arrays.copyOf(jpeg, len);
      ImageDecodeException e = assertThrows(ImageDecodeException.class,
          () -> ImageCodec.decode(cut), "length " + len);
      assertTrue(e.getMessage().contains("JPEG"), e.getMessage());
    }
    // Only the 2-byte EOI marker missing: all scan data is there, the image decodes (like libjpeg)
    Image almost = ImageCodec.decode(Arrays.copyOf(jpeg, jpeg.length - 2));
    assertEquals(ImageCodec.decode(jpeg), almost);
  }

  @Test
  void corruptJpegBodyThrowsOrDecodes() {
    // Flipping bytes in the entropy-coded data must not crash with anything but our exception.
    byte[] jpeg = TestImages.photo("butterfly.jpg");
    SplittableRandom rng = new SplittableRandom(3);
    for (int t = 0; t < 10; t++) {
      byte[] bad = jpeg.clone();
      for (int i = 0; i < 20; i++) {
        bad[1000 + rng.nextInt(bad.length - 1000)] = (byte) rng.nextInt(256);
      }
      try {
        Image img = ImageCodec.decode(bad);
        assertEquals(356, img.height());
      } catch (ImageDecodeException expected) {
        assertTrue(expected.getMessage().contains("JPEG"));
      }
    }
  }

  @Test
  void truncatedPngThrows() {
    Image img = TestImages.randomImage(new SplittableRandom(4), 40, 40, 3);
    byte[] png = ImageCodec.encodePng(img);
    // - 12: only IEND missing; - 20: the end of the last IDAT chunk missing
    for (int len : new int[] {png.length / 2, png.length - 12, png.length - 20, 40, 10}) {
      byte[] cut = Arrays.copyOf(png, len);
      ImageDecodeException e = assertThrows(ImageDecodeException.class,
          () -> ImageCodec.decode(cut), "length " + len);
      assertTrue(e.getMessage().contains("PNG"), e.getMessage());
    }
  }

  @Test
  void corruptPngThrows() {
    Image img = TestImages.randomImage(new SplittableRandom(5), 20, 20, 3);
    byte[] png = ImageCodec.encodePng(img);
    png[png.length / 2] ^= 0x55; // inside IDAT: its CRC no longer matches
    ImageDecodeException e = assertThrows(ImageDecodeException.class,
        () -> ImageCodec.decode(png));
    assertTrue(e.getMessage().contains("CRC"), e.getMessage());
  }
}
