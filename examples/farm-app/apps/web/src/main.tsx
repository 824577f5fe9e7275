import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import UsersPage from '@/pages/UsersPage';
import { setBaseUrl } from '@/services/api';

setBaseUrl(import.meta.env.VITE_API_URL ?? '');

const queryClient = new QueryClient();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <UsersPage />
    </QueryClientProvider>
  </StrictMode>,
);
