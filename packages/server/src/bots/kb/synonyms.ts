/**
 * Everyday words customers use for what the help center names differently, by language. Each entry
 * maps a question word to the article word(s) it should also match; both sides are raw words and go
 * through the same normalization as the index. Article `tags` are the place for phrasings specific to
 * one article; this list is for words that mean the same thing everywhere.
 */
export const SYNONYMS: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  en: {
    package: ['parcel'],
    packet: ['parcel'],
    shipment: ['parcel'],
    delivery: ['shipping'],
    postage: ['shipping'],
    money: ['refund'],
    reimburse: ['refund'],
    login: ['sign'],
    logon: ['sign'],
    'e-mail': ['email'],
    mail: ['email'],
    receipt: ['invoice'],
    bill: ['invoice'],
    voucher: ['gift'],
    purchase: ['order'],
    bought: ['order'],
    broke: ['damaged'],
    smashed: ['damaged'],
    twice: ['two'],
    cost: ['price'],
    fee: ['cost'],
  },
};
