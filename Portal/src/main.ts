import { createApp } from 'vue'
import { createPinia } from 'pinia'
import 'element-plus/theme-chalk/el-message.css'
import 'element-plus/theme-chalk/el-message-box.css'
import './styles/main.css'
import App from './App.vue'
import { router } from './router'
import { installAuth } from './stores/auth'

const app = createApp(App)
app.use(createPinia())
installAuth(() => {
  void router.push({ name: 'login', query: { redirect: router.currentRoute.value.fullPath, expired: '1' } })
})
app.use(router)
app.mount('#app')
