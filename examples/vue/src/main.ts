import { createApp } from 'vue';
import '@baton-chat/widget'; // registers <baton-chat>
import App from './app.vue';
import './style.css';

createApp(App).mount('#app');
