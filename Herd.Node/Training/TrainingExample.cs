using Herd.Node.Tokenization;

namespace Herd.Node.Training;

/// <summary>An instruction/response pair as token ids: the loss is taken on the response's tokens only.</summary>
/// <param name="ResponseStart">the index of the first response token in <paramref name="Tokens"/></param>
public sealed record TrainingExample(IReadOnlyList<int> Tokens, int ResponseStart)
{
    /// <summary>The instruction, a newline, the response and the end-of-sequence token, cut to <paramref name="maxLength"/>; null when no response token is left.</summary>
    public static TrainingExample? Encode(InstructionPair pair, ModelTokenizer tokenizer, int? endOfSequence, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(pair);
        ArgumentNullException.ThrowIfNull(tokenizer);
        var instruction = tokenizer.Encode(pair.Instruction + "\n");
        List<int> tokens = [.. tokenizer.Encode(pair.Instruction + "\n" + pair.Response)];
        if (endOfSequence is { } end)
        {
            tokens.Add(end);
        }

        // Tokens merge across the newline rarely; where they do, the response starts where the two first differ.
        var start = 0;
        while (start < instruction.Count && start < tokens.Count && instruction[start] == tokens[start])
        {
            start++;
        }

        if (tokens.Count > maxLength)
        {
            tokens.RemoveRange(maxLength, tokens.Count - maxLength);
        }

        return start < tokens.Count ? new TrainingExample(tokens, start) : null;
    }
}
