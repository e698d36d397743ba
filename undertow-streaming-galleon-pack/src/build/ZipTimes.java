import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Makes the feature pack's zips reproducible, which wildfly-galleon-maven-plugin does not: it
 * writes each entry with the build's time, in the order it walks its directories, and its
 * {@code .properties} files begin with the date comment of {@code java.util.Properties.store}.
 * This rewrites each zip with the same entries, sorted by name, each dated
 * {@code project.build.outputTimestamp} (ISO-8601, or seconds since the epoch) as Maven's own
 * archivers do, and the same bytes but for that comment. The channel manifest ({@code .yaml}) the
 * plugin writes beside them says when it was generated, to the nanosecond: that time becomes
 * {@code project.build.outputTimestamp} too. Run by the build with Java's source launcher:
 * {@code java ZipTimes.java TIMESTAMP FILE...}; a file that does not exist is passed over.
 */
public final class ZipTimes {

    /** The line {@code Properties.store} writes first: {@code #Wed Dec 02 10:19:43 UTC 2026}. */
    private static final Pattern DATE_COMMENT = Pattern.compile(
            "(?m)^#\\p{Alpha}{3} \\p{Alpha}{3} \\d{2} \\d{2}:\\d{2}:\\d{2} \\S+ \\d{4}\\R");

    /** The instant in the manifest's description: {@code ... at 2026-12-02T15:13:58.056973565Z"}. */
    private static final Pattern GENERATED_AT = Pattern.compile(
            "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z");

    public static void main(String[] args) throws IOException {
        Instant instant = instant(args[0]);
        LocalDateTime time = LocalDateTime.ofInstant(instant, ZoneOffset.UTC);
        for (int i = 1; i < args.length; i++) {
            Path file = Path.of(args[i]);
            if (!Files.exists(file)) {
                continue;
            }
            if (file.getFileName().toString().endsWith(".yaml")) {
                String text = Files.readString(file, StandardCharsets.UTF_8);
                Files.writeString(file, GENERATED_AT.matcher(text).replaceFirst(instant.toString()), StandardCharsets.UTF_8);
            } else {
                rewrite(file, time);
            }
        }
    }

    private static Instant instant(String timestamp) {
        return timestamp.chars().allMatch(Character::isDigit)
                ? Instant.ofEpochSecond(Long.parseLong(timestamp))
                : OffsetDateTime.parse(timestamp).toInstant();
    }

    private static void rewrite(Path zip, LocalDateTime time) throws IOException {
        Path tmp = zip.resolveSibling(zip.getFileName() + ".tmp");
        try (ZipFile in = new ZipFile(zip.toFile());
                OutputStream file = Files.newOutputStream(tmp);
                ZipOutputStream out = new ZipOutputStream(file)) {
            List<ZipEntry> entries = new ArrayList<>(Collections.list(in.entries()));
            entries.sort(Comparator.comparing(ZipEntry::getName));
            for (ZipEntry e : entries) {
                ZipEntry copy = new ZipEntry(e.getName());
                copy.setTimeLocal(time); // the DOS time itself, whatever the machine's time zone
                out.putNextEntry(copy);
                try (InputStream bytes = in.getInputStream(e)) {
                    out.write(e.getName().endsWith(".properties") ? withoutDate(bytes) : bytes.readAllBytes());
                }
                out.closeEntry();
            }
        }
        Files.move(tmp, zip, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The file without its first date comment; ISO-8859-1 keeps every other byte as it is. */
    private static byte[] withoutDate(InputStream in) throws IOException {
        String text = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        return DATE_COMMENT.matcher(text).replaceFirst("").getBytes(StandardCharsets.ISO_8859_1);
    }
}
