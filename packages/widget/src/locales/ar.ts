// Arabic, right to left. Importing this module registers it: `<html lang="ar">` (or `locale="ar"`) then
// uses it, and the widget sets `dir="rtl"` on itself.
import { registerLocale } from '../locale.js';
import type { BatonLocale } from '../locale.js';

// Arabic counts: 1 and 2 have their own forms, 3-10 take the plural, 11 and more the singular accusative.
const count = (n: number, one: string, two: string, few: string, many: string): string =>
  n === 1 ? one : n === 2 ? two : n % 100 >= 3 && n % 100 <= 10 ? `${n} ${few}` : `${n} ${many}`;

/** Arabic (`ar`), right to left. */
export const ar: BatonLocale = {
  lang: 'ar',
  dir: 'rtl',
  chatTitle: 'تحدّث معنا',
  openChat: 'فتح المحادثة',
  closeChat: 'إغلاق المحادثة',
  unread: (n) =>
    count(n, 'رسالة واحدة غير مقروءة', 'رسالتان غير مقروءتين', 'رسائل غير مقروءة', 'رسالة غير مقروءة'),
  stateBot: 'مساعد ذكي',
  stateWaiting: 'بانتظار موظف',
  queuePosition: (p) => (p === 1 ? 'أنت التالي' : `ترتيبك ${p} في الانتظار`),
  estimatedWait: (m) => `حوالي ${count(m, 'دقيقة', 'دقيقتين', 'دقائق', 'دقيقة')}`,
  stateConnecting: (name) => (name ? `جارٍ توصيلك بـ${name}…` : 'جارٍ توصيلك بموظف…'),
  stateAgent: (name) => `${name} · فريق الدعم`,
  stateOffline: 'غير متصل',
  stateClosed: 'انتهت المحادثة',
  talkToPerson: 'التحدث مع موظف',
  cancelRequest: 'إلغاء الطلب',
  offlineBanner: 'أنت غير متصل. سيتم إرسال الرسائل عند عودة الاتصال.',
  reconnecting: 'جارٍ إعادة الاتصال…',
  authorYou: 'أنت',
  authorBot: 'المساعد',
  authorAgent: 'الموظف',
  authorSystem: 'تنبيه',
  statusSending: 'جارٍ الإرسال…',
  statusQueued: 'بانتظار الاتصال',
  statusFailed: 'لم تُرسل',
  retry: 'إعادة المحاولة',
  typing: (name) => `${name} يكتب…`,
  stop: 'إيقاف الإجابة',
  stopped: 'توقفت',
  answerFailed: 'تعذّر إكمال الإجابة.',
  sources: 'المصادر',
  helpful: 'مفيدة',
  notHelpful: 'غير مفيدة',
  thanksFeedback: 'شكرًا على ملاحظاتك',
  suggestions: 'ردود مقترحة',
  inputLabel: 'الرسالة',
  inputPlaceholder: 'اكتب سؤالك…',
  send: 'إرسال',
  emptyTitle: 'مرحبًا! كيف يمكننا مساعدتك؟',
  emptyBody: 'اسأل عن أي شيء. يجيبك المساعد فورًا، والتحدث مع موظف على بُعد نقرة.',
  announceAnswer: (author, text) => `${author}: ${text}`,
  announceHandoff: (state) => state,
  handoffStates: {
    requested: () => 'طلبت التحدث مع موظف.',
    queued: () => 'أنت في قائمة الانتظار للتحدث مع موظف.',
    assigned: (name) => (name ? `سينضم ${name} بعد قليل.` : 'سينضم موظف بعد قليل.'),
    active: (name) => (name ? `انضم ${name} إلى المحادثة.` : 'انضم موظف إلى المحادثة.'),
    ended: (name) => (name ? `غادر ${name} المحادثة.` : 'غادر الموظف المحادثة.'),
    failed: () => 'لا يوجد موظف متاح حاليًا. المساعد هنا لمساعدتك.',
    cancelled: () => 'أُلغي طلب التحدث مع موظف.',
    transferred: (name) => `جارٍ تحويلك إلى ${name ?? 'موظف آخر'}.`,
    returned: () => 'عدت إلى المساعد.',
    resolved: (name) => (name ? `أشار ${name} إلى أن المحادثة تم حلّها.` : 'تم حلّ المحادثة.'),
    failedForm: () => 'لا يوجد موظف متاح حاليًا. اترك رسالة وسنرد عليك بالبريد الإلكتروني.',
  },
  transferring: (name) => `جارٍ تحويلك إلى ${name ?? 'موظف آخر'}…`,
  leaveMessage: 'اترك رسالة',
  emailLabel: 'بريدك الإلكتروني',
  messageLabel: 'رسالتك',
  sendMessage: 'إرسال الرسالة',
  replyTo: (email) => `الرد على: ${email}`,
  messageLeft: 'شكرًا! وصلتنا رسالتك وسنرد عليك بالبريد الإلكتروني.',
  csatQuestion: 'كيف كانت محادثتك؟',
  csatScore: (n) => `${n} من 5`,
  csatLow: 'سيئة',
  csatHigh: 'ممتازة',
  error: 'حدث خطأ ما. يُرجى المحاولة مرة أخرى.',
  thread: 'المحادثة',
  showEarlier: 'عرض الرسائل السابقة',
};

registerLocale(ar);
