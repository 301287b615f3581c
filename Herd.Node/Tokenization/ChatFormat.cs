namespace Herd.Node.Tokenization;

/// <summary>One family's rendering, written out in C# to match what its Jinja template produces.</summary>
internal abstract class ChatFormat
{
    public abstract ChatTemplateFamily Family { get; }

    /// <param name="turns">At least one turn.</param>
    /// <param name="addGenerationPrompt">End with the header that opens the assistant's reply.</param>
    public abstract string Render(IReadOnlyList<ChatTurn> turns, bool addGenerationPrompt);

    /// <summary>The first turn when it is a system prompt, and the turns after it.</summary>
    protected static (string? System, IReadOnlyList<ChatTurn> Others) SplitSystem(IReadOnlyList<ChatTurn> turns) =>
        turns[0].Role == ChatTurn.SystemRole ? (turns[0].Content, turns.Skip(1).ToList()) : (null, turns);
}
