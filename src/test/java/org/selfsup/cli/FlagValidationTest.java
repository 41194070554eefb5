package org.selfsup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.selfsup.runtime.SparkSessions;
import org.selfsup.tasks.JigsawPermutations;

/**
 * Every bad flag of pretrain, import and compare: exit code 2, one line on stderr naming the flag
 * (or the file) at fault, no stack frame, and no SparkSession asked for. No Spark at all here.
 */
class FlagValidationTest {
  private static final String SAMPLE = CommandLineTest.SAMPLE;

  @TempDir static Path tmp;

  /** pretrain's required flags plus {@code flags}. */
  private static String[] pretrain(String... flags) {
    List<String> args = new ArrayList<>(List.of("pretrain", "--dataset_dir", SAMPLE, "--workdir", tmp.resolve("w").toString()));
    args.addAll(Arrays.asList(flags));
    return args.toArray(new String[0]);
  }

  private static Arguments bad(String message, String[] args) {
    return Arguments.of(String.join(" ", args).replace(SAMPLE, "SAMPLE").replace(tmp.toString(), "TMP"), message, args);
  }

  static Stream<Arguments> badFlags() throws Exception {
    Path shortPerms = tmp.resolve("short.bin");
    Files.write(shortPerms, new byte[] {1, 0, 0});
    Path fourPerms = tmp.resolve("four.bin");
    Files.write(fourPerms, JigsawPermutations.of(new int[] {0, 1, 2, 3}, new int[] {3, 2, 1, 0}).toBytes());
    Path emptyDir = Files.createDirectories(tmp.resolve("empty"));
    Path written = Files.createDirectories(tmp.resolve("written"));
    Files.write(written.resolve("train-00000-of-00001"), new byte[0]);
    return Stream.of(
        // pretrain: enums and names
        bad("unknown task 'jigsw'; valid: rotation, supervised, relative_patch_location, jigsaw, exemplar", pretrain("--task", "jigsw")),
        bad("unknown architecture 'resnet51'; valid: resnet50v1, resnet50v2", pretrain("--architecture", "resnet51")),
        bad("--minibatch_storage: unknown Spark storage level 'MEMORY_PLEASE'", pretrain("--minibatch_storage", "MEMORY_PLEASE")),
        bad("unknown dataset 'imagenet21k'; known datasets: ", pretrain("--dataset", "imagenet21k")),
        bad("--split must be one of train, val, trainval, test, not 'trian'", pretrain("--split", "trian")),
        // pretrain: ranges
        bad("--base_lr must be > 0, not 0.0", pretrain("--base_lr", "0")),
        bad("--base_lr must be > 0, not NaN", pretrain("--base_lr", "NaN")),
        bad("--blocks_per_stage must be one or more positive block counts, one per stage (e.g. 3,4,6,3), not 3,0,6,3",
            pretrain("--blocks_per_stage", "3,0,6,3")),
        bad("--filters_factor must be >= 1, not 0", pretrain("--filters_factor", "0")),
        bad("--batch_size must be >= 1, not 0", pretrain("--batch_size", "0")),
        bad("--epochs must be > 0, not -1.0", pretrain("--epochs", "-1")),
        bad("--warmup_epochs must be >= 0, not -1.0", pretrain("--warmup_epochs", "-1")),
        bad("--decay_epochs must be increasing epochs > 0, not 25,15", pretrain("--decay_epochs", "25,15")),
        bad("--weight_decay must be >= 0, not -1.0E-4", pretrain("--weight_decay", "-1e-4")),
        bad("--averaging_frequency must be >= 1, not 0", pretrain("--averaging_frequency", "0")),
        bad("--training_layout must be channels_last or channels_first, not NHWC", pretrain("--training_layout", "NHWC")),
        bad("--chunks_per_epoch must be >= 1, not 0", pretrain("--chunks_per_epoch", "0")),
        bad("--pretext_eval_images must be >= 0 (0: no held-out probe), not -1", pretrain("--pretext_eval_images", "-1")),
        bad("--num_workers must be >= 1, not 0", pretrain("--num_workers", "0")),
        bad("--num_classes must be >= 1, not 0", pretrain("--num_classes", "0")),
        bad("--label_offset must be >= 0, not -1", pretrain("--label_offset", "-1")),
        bad("--batch_norm_decay must be between 0 and 1, not 1.5", pretrain("--batch_norm_decay", "1.5")),
        bad("--input_size must be >= 8, not 4", pretrain("--input_size", "4")),
        // pretrain: the preprocessing spec, parsed and tried before Spark
        bad("--preprocess 'decode|resize(32)|central_crop(48)' cannot apply to the dataset's 28x28 image (record 0 in ",
            pretrain("--preprocess", "decode|resize(32)|central_crop(48)")),
        bad("--preprocess 'decode|central_crop(24)' gives rotation network inputs of 24x24x3, but --input_size 224 needs 224x224x3",
            pretrain("--preprocess", "decode|central_crop(24)")),
        bad("--preprocess 'decode(1)|inception_crop(28)' gives rotation network inputs of 28x28x1, but --input_size 28 needs 28x28x3",
            pretrain("--input_size", "28", "--preprocess", "decode(1)|inception_crop(28)")),
        bad("--preprocess must start with decode: 'resize(32)'", pretrain("--preprocess", "resize(32)")),
        bad("fliplr", pretrain("--preprocess", "decode|fliplr")),
        // pretrain: task knobs and the files they name
        bad("--exemplar_copies", pretrain("--task", "exemplar", "--exemplar_copies", "7")),
        bad("--triplet_margin must be > 0", pretrain("--task", "exemplar", "--triplet_margin", "0")),
        bad("--permutations_per_image must be in 1..100", pretrain("--task", "jigsaw", "--permutations_per_image", "101")),
        bad("--num_permutations: cannot choose 0 permutations of 9", pretrain("--task", "jigsaw", "--num_permutations", "0")),
        bad("permutations file not found: ", pretrain("--task", "jigsaw", "--permutations_path", tmp.resolve("none.bin").toString())),
        bad("short.bin is 3 bytes, shorter than the 8-byte header", pretrain("--task", "jigsaw", "--permutations_path", shortPerms.toString())),
        bad("four.bin holds permutations of 4 positions; jigsaw with a 3×3 grid needs 9",
            pretrain("--task", "jigsaw", "--permutations_path", fourPerms.toString())),
        bad("no train shards for dataset fashion_mnist in " + emptyDir, new String[] {"pretrain", "--dataset_dir",
            emptyDir.toString(), "--workdir", tmp.resolve("w").toString()}),
        // picocli's own: unknown flags, numbers that are not
        bad("Invalid value for option '--epochs': 'many' is not a double (see: selfsup pretrain --help)", pretrain("--epochs", "many")),
        bad("Unknown option: '--learning_rate=0.1' (see: selfsup pretrain --help)", pretrain("--learning_rate=0.1")),
        bad("Missing required option: '--workdir=<workdir>'", new String[] {"pretrain", "--dataset_dir", SAMPLE}),
        bad("Invalid value for option '--on_bad_record': must be fail or skip, not 'ignore'", pretrain("--on_bad_record", "ignore")),
        // import
        bad("unknown import source 'cifar'; valid: fashion_mnist, image_folder", new String[] {"import", "cifar", "--dataset_dir", emptyDir.toString()}),
        bad("--image_format must be png or jpeg, not 'gif'", new String[] {"import", "fashion_mnist", "--source_dir", emptyDir.toString(),
            "--dataset_dir", emptyDir.toString(), "--image_format", "gif"}),
        bad("--limit train=0 must be between 1 and", new String[] {"import", "fashion_mnist", "--dataset_dir", emptyDir.toString(),
            "--limit", "train=0"}),
        bad("--shards test=100000 must be between 1 and 99999", new String[] {"import", "fashion_mnist", "--dataset_dir", emptyDir.toString(),
            "--shards", "test=100000"}),
        bad("--limit validation=5: unknown split 'validation'; valid: train, test", new String[] {"import", "fashion_mnist",
            "--dataset_dir", emptyDir.toString(), "--limit", "validation=5"}),
        bad("import image_folder needs --source_dir", new String[] {"import", "image_folder", "--dataset_dir", emptyDir.toString()}),
        bad("--source_dir " + tmp.resolve("photos") + " does not exist or is not a folder", new String[] {"import", "image_folder",
            "--source_dir", tmp.resolve("photos").toString(), "--dataset_dir", emptyDir.toString()}),
        bad("Fashion-MNIST file train-images-idx3-ubyte(.gz) not found in " + emptyDir, new String[] {"import", "fashion_mnist",
            "--source_dir", emptyDir.toString(), "--dataset_dir", tmp.resolve("out").toString()}),
        bad("--dataset_dir " + written + " already has 1 train shard(s) (e.g. train-00000-of-00001); delete them or pass --overwrite",
            new String[] {"import", "image_folder", "--source_dir", emptyDir.toString(), "--dataset_dir", written.toString()}),
        // compare
        bad("no eval-*.json reports in " + emptyDir + " (run evaluate first)", new String[] {"compare", "--workdir", emptyDir.toString()}));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badFlags")
  void aBadFlagIsOneLineAndExit2BeforeSparkStarts(String name, String message, String[] args) {
    int sessions = SparkSessions.requests();
    CommandLineTest.Run r = CommandLineTest.runWithoutSpark(args);
    assertEquals(2, r.code, r.err);
    assertEquals(1, r.err.strip().lines().count(), r.err);
    assertTrue(r.err.startsWith("error: "), r.err);
    assertTrue(r.err.contains(message), "'" + message + "' missing in: " + r.err);
    assertFalse(r.err.contains("\tat "), r.err);
    assertEquals("", r.out);
    assertEquals(sessions, SparkSessions.requests(), "a SparkSession was asked for");
  }

  @Test
  void theHeldOutProbesSizeIsAFlag() {
    PretrainCommand defaults = new PretrainCommand();
    new picocli.CommandLine(defaults).parseArgs("--dataset_dir", "/x", "--workdir", "/w");
    assertEquals(256, defaults.config().pretextEvalImages);
    PretrainCommand given = new PretrainCommand();
    new picocli.CommandLine(given).parseArgs("--dataset_dir", "/x", "--workdir", "/w", "--pretext_eval_images", "2500");
    assertEquals(2500, given.config().pretextEvalImages);
  }

  /** The quickstart's own flags: a spec without a resize keeps the sample's 28 px, which --input_size 28 needs. */
  @Test
  void theQuickstartsFlagsPassOnTheSamplesOwnImages() {
    String[] args = pretrain("--task", "rotation", "--architecture", "resnet50v2", "--filters_factor", "1", "--small_input",
        "--blocks_per_stage", "1,1,1", "--input_size", "28", "--preprocess", "decode|flip_lr|value_range(-1,1)",
        "--batch_size", "16", "--epochs", "0.25", "--decay_epochs", "0.2");
    PretrainCommand command = new PretrainCommand();
    new picocli.CommandLine(command).parseArgs(java.util.Arrays.copyOfRange(args, 1, args.length));
    org.selfsup.train.TrainConfig cfg = command.config();
    cfg.validate(SparkSessions.hadoopConfiguration());
    assertEquals(28, cfg.inputSize);
    // the same spec at another input size is refused: the images stay 28 px
    String[] other = pretrain("--input_size", "32", "--small_input", "--preprocess", "decode|flip_lr|value_range(-1,1)");
    CommandLineTest.Run r = CommandLineTest.runWithoutSpark(other);
    assertEquals(2, r.code, r.err);
    assertTrue(r.err.contains("gives rotation network inputs of 28x28x3, but --input_size 32 needs 32x32x3"), r.err);
  }
}
