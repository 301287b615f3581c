using System.Globalization;
using System.Text;

namespace Herd.ServiceDefaults.Diagnostics;

/// <summary>
/// Where and how hop marks are kept: every process appends to a file of its own,
/// <c>name-pid.tsv</c>, in the folder that <see cref="EnvironmentVariable"/> names, one line per
/// mark: hop, job id and timestamp, separated by tabs. The herd's processes write them; the
/// gateway benchmark reads them.
/// </summary>
public static class HopMarkFiles
{
    /// <summary>Names the folder for the marks; unset, no process records any.</summary>
    public const string EnvironmentVariable = "HERD_HOP_TIMESTAMPS";

    private const string Extension = ".tsv";

    /// <summary>The file of one process in <paramref name="folder"/>.</summary>
    public static string PathFor(string folder, string processName, int processId) =>
        Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"{processName}-{processId}{Extension}"));

    /// <summary>Adds the mark's line to <paramref name="lines"/>.</summary>
    public static void Append(StringBuilder lines, HopMark mark)
    {
        ArgumentNullException.ThrowIfNull(lines);
        lines.Append(CultureInfo.InvariantCulture, $"{mark.Hop}\t{mark.JobId}\t{mark.Timestamp}\n");
    }

    /// <summary>The marks of every file in <paramref name="folder"/>; none when it does not exist.</summary>
    public static IReadOnlyList<HopMark> Read(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return [];
        }

        var marks = new List<HopMark>();
        foreach (var path in Directory.EnumerateFiles(folder, "*" + Extension))
        {
            // The process may be appending as this reads: share the file with its writer.
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            marks.AddRange(Parse(reader.ReadToEnd()));
        }

        return marks;
    }

    /// <summary>
    /// The marks of a file's text. A last line without its newline is still being written and is
    /// left out, as is any line that is not a mark.
    /// </summary>
    public static IEnumerable<HopMark> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var whole = text[..(text.LastIndexOf('\n') + 1)];
        foreach (var line in whole.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split('\t');
            if (fields.Length == 3 && long.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var timestamp))
            {
                yield return new HopMark(fields[0], fields[1], timestamp);
            }
        }
    }
}
