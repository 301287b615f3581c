namespace Herd.Node.Training;

/// <summary>One training example: an instruction and the response the adapter should learn to give.</summary>
public sealed record InstructionPair(string Instruction, string Response);
