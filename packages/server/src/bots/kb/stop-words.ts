/**
 * Words that carry no meaning for search, by language. Customer chat filler ("hi", "please", "help",
 * "need") is included on purpose: "I need help" has no searchable content and must not look like a
 * confident match for whichever article says "help" most often.
 */
export const STOP_WORDS: Readonly<Record<string, ReadonlySet<string>>> = {
  en: new Set(
    `a an the i me my mine myself we us our you your yours he she they them their it its
     is am are was were be been being do does did done doing have has had having
     to of in on at for from by with about into onto over under as and or but if so then than
     that this these those there here what which who whom whose when where why how
     can could would should will shall may might must just not no nor only own same
     hi hello hey please thanks thank thx ok okay help need want wanted like
     some any all each every yet still also too very really many more most
     something anything everything someone somebody thing take takes took keep keeps
     still anymore already now here came come comes show shows showing
     hasnt havent isnt wasnt didnt doesnt wont cannot
     get got getting go going make made let lets know tell told say said
     im i'm i've ive i'd id i'll ill it's dont don't doesn't didn't can't cant won't isn't aren't wasn't
     there's what's where's how's that's`.split(/\s+/),
  ),
  zh: new Set(
    `的 了 吗 呢 吧 啊 呀 嘛 我 我的 我们 你 你们 您 他 她 它 是 在 有 和 与 及 或 要 会 能 可以 可 想 怎么 怎样 如何
     什么 请问 请 一下 这 那 这个 那个 个 就 都 也 还 把 被 让 给 对 从 到 吗？ 帮 帮助 一个 需要 多少`.split(
      /\s+/,
    ),
  ),
  ja: new Set(
    `の は が を に で と も か な ね よ へ や て た だ ん です ます でき ですが ですか ました ません ませ
     たい ください する して した しま いる ある あり こと もの ため ので から まで より
     どう どの どれ いつ なに 何 私 わたし 僕 これ それ あれ この その あの 教え 教えて くだ さい ない なく`.split(
      /\s+/,
    ),
  ),
};
