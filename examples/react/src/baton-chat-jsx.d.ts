// Types <baton-chat> for JSX. React 19 passes a prop to a custom element as a property when the element
// has one (so `chatOptions` gets the object, `theme` the string), and `on<event-name>` props become
// listeners for that DOM event.
import type { DetailedHTMLProps, HTMLAttributes } from 'react';
import type { BatonChat, BatonEventMap } from '@baton-chat/widget';

type Listeners = { [K in keyof BatonEventMap as `on${K}`]?: (event: BatonEventMap[K]) => void };

type BatonChatProps = Partial<
  Pick<BatonChat, 'server' | 'mode' | 'open' | 'theme' | 'position' | 'locale' | 'chatOptions' | 'chat'>
> &
  Listeners &
  DetailedHTMLProps<HTMLAttributes<BatonChat>, BatonChat>;

declare module 'react' {
  namespace JSX {
    interface IntrinsicElements {
      'baton-chat': BatonChatProps;
    }
  }
}
